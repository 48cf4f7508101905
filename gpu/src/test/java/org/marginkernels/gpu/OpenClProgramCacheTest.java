package org.marginkernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.marginkernels.LossCatalogue;
import org.marginkernels.MarginSoftmax;

/** Programs are compiled once per distinct printed source and reused across calls and loss instances. */
class OpenClProgramCacheTest {

    @BeforeEach
    void requireOpenCl() {
        Assumptions.assumeTrue(GpuTestSupport.openClReason() == null,
                () -> "OpenCL not usable here: " + GpuTestSupport.openClReason());
    }

    @Test
    void sameSourceCompilesOnce() {
        GpuKernelBackend impl = (GpuKernelBackend) GpuTestSupport.openCl().implementation();
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED, 3, 17, 8, false, -1);
        MarginSoftmax arcFace = LossCatalogue.all().get("arcface");
        GpuTestSupport.openCl().forward(arcFace, p.x(), p.w(), p.y(), p.dim());
        int compiled = impl.compiledPrograms();
        // a second call, a rebuilt equal loss, and focal (same margin, F(lp) runs on the host) print the same source
        GpuTestSupport.openCl().forward(arcFace, p.x(), p.w(), p.y(), p.dim());
        GpuTestSupport.openCl().forward(LossCatalogue.all().get("arcface"), p.x(), p.w(), p.y(), p.dim());
        GpuTestSupport.openCl().forward(LossCatalogue.all().get("focal"), p.x(), p.w(), p.y(), p.dim());
        assertEquals(compiled, impl.compiledPrograms(), "no recompilation for an already printed source");
    }

    @Test
    void subCentersAreCompiledIntoTheirOwnProgram() {
        GpuKernelBackend impl = (GpuKernelBackend) GpuTestSupport.openCl().implementation();
        GpuTestSupport.Problem p = GpuTestSupport.Problem.random(GpuTestSupport.SEED, 3, 17, 8, false, -1);
        MarginSoftmax sub = LossCatalogue.all().get("subcenter-arcface");
        GpuTestSupport.Problem q = p.forLoss(sub);
        GpuTestSupport.openCl().forward(LossCatalogue.all().get("arcface"), p.x(), p.w(), p.y(), p.dim());
        GpuTestSupport.openCl().forward(sub, q.x(), q.w(), q.y(), q.dim());
        int compiled = impl.compiledPrograms();
        // the same expression structure as arcface, but K = 3 is a constant of its source: a program of its own,
        // then reused
        GpuTestSupport.openCl().forward(sub, q.x(), q.w(), q.y(), q.dim());
        GpuTestSupport.openCl().forward(LossCatalogue.all().get("arcface"), p.x(), p.w(), p.y(), p.dim());
        assertEquals(compiled, impl.compiledPrograms());
        assertEquals(false, KernelSource.print(sub.spec(), org.marginkernels.spec.CDialect.OPENCL, 3)
                .equals(KernelSource.print(sub.spec(), org.marginkernels.spec.CDialect.OPENCL)));
    }
}
