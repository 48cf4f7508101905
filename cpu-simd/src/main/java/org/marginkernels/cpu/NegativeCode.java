package org.marginkernels.cpu;

/** A negative transform compiled by one {@link CpuKernels} implementation; only that implementation reads it. */
interface NegativeCode {
}
