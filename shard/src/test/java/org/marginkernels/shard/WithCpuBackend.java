package org.marginkernels.shard;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.marginkernels.Backend;
import org.marginkernels.Backends;

/** One cpu backend for a test class's tests, opened before the first and closed after the last. */
abstract class WithCpuBackend {

    static Backend cpu;

    @BeforeAll
    static void openCpu() {
        cpu = Backends.named("cpu");
    }

    @AfterAll
    static void closeCpu() {
        cpu.close();
    }
}
