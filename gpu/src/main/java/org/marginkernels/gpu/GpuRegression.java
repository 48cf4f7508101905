package org.marginkernels.gpu;

import org.marginkernels.RegressionLoss;

/**
 * A regression loss on the device: one launch of {@code mk_regression_forward} (resource
 * {@code regression_kernels.c}) computes every coordinate's l(x, y) and weight dl/dx from the printed spec and a
 * fixed-order float sum per group of {@value #GROUP}; the host adds the group sums in double in group order, so the
 * result does not depend on scheduling.
 */
final class GpuRegression {

    /** Work-items per group: MK_REGRESSION_GROUP of the kernel body. */
    static final int GROUP = 64;

    private GpuRegression() {
    }

    /** See {@link org.marginkernels.spi.KernelBackend#regressionLoss}; the caller holds the backend's lock. */
    static double run(GpuKernelBackend backend, RegressionLoss loss, float[] predictions, float[] targets,
            double weight, float[] gradOut) {
        int n = predictions.length;
        KernelLauncher k = backend.launcher(loss);
        int groups = KernelLauncher.ceil(n, GROUP);
        try (DeviceSession s = new DeviceSession(backend.runtime())) {
            // OpenCL allocates no empty buffer: one float stands in for the gradient when none is asked for
            DeviceBuffer grad = s.floats(gradOut == null ? 1 : n);
            DeviceBuffer partials = s.floats(groups);
            k.groups("mk_regression_forward", groups, GROUP, k.arguments(s), s.upload(predictions),
                    s.upload(targets), n, (float) weight, gradOut == null ? 0 : 1, grad, partials);
            double sum = 0;
            for (float partial : s.read(partials, groups)) {
                sum += partial;
            }
            if (gradOut != null) {
                s.read(grad, gradOut);
            }
            return weight * sum;
        }
    }
}
