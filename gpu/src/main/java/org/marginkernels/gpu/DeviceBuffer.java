package org.marginkernels.gpu;

/** A block of device memory; {@link #close()} frees it (idempotent). */
public interface DeviceBuffer extends AutoCloseable {

    /** Its size in bytes. */
    long bytes();

    @Override
    void close();
}
