package org.marginkernels.cpu;

/** A regression loss compiled by one {@link CpuKernels} implementation; only that implementation reads it. */
interface RegressionCode {
}
