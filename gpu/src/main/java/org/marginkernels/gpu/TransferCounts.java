package org.marginkernels.gpu;

/**
 * Bytes moved across the host-device bus (clEnqueueWriteBuffer / cuMemcpyHtoD and clEnqueueReadBuffer /
 * cuMemcpyDtoH), cumulative since a backend was opened, or the difference of two such counts.
 *
 * @param toDevice bytes copied host to device
 * @param toHost bytes copied device to host
 */
public record TransferCounts(long toDevice, long toHost) {

    /** Bytes in both directions. */
    public long total() {
        return toDevice + toHost;
    }

    /** The transfers since {@code earlier}, a count taken before this one. */
    public TransferCounts since(TransferCounts earlier) {
        return new TransferCounts(toDevice - earlier.toDevice, toHost - earlier.toHost);
    }
}
