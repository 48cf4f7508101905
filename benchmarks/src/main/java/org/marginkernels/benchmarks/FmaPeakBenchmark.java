package org.marginkernels.benchmarks;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The float FMA peak of this JVM on this machine: {@value #CHAINS} independent chains {@code acc = a.fma(b, acc)} of
 * the preferred Vector API species, enough to cover the FMA latency times the FMA ports of current x86 and ARM
 * cores, so the loop is throughput-bound. The primary score is vector FMAs per second (one operation per
 * {@code fma} call, {@value #STEPS} x {@value #CHAINS} per invocation); the secondary {@code flops} counter is the
 * same in floating-point operations, 2 per lane per fma, summed over threads. Every GFLOP/s of the loss benchmarks
 * is reported as a fraction of the {@code @Threads(2)} figure (this machine has 2 cores).
 *
 * <p>How to run:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar FmaPeakBenchmark -wi 2 -i 3 -f 1 -rf json -rff fma.json
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class FmaPeakBenchmark {

    /** Independent accumulator chains: 2 FMA ports x 4 cycles latency = 8 in flight, plus headroom. */
    static final int CHAINS = 12;

    /** FMA steps per chain and invocation: long enough that the final reduction costs nothing. */
    static final int STEPS = 1024;

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Per-thread operands: distinct start values per chain so the JIT cannot merge the chains. */
    @State(Scope.Thread)
    public static class Operands {
        public float[] factors;
        public float[] starts;

        @Setup(Level.Trial)
        public void setUp() {
            int lanes = SPECIES.length();
            factors = new float[2 * lanes];
            starts = new float[CHAINS * lanes];
            for (int k = 0; k < factors.length; k++) {
                factors[k] = 1e-3f * (k + 1);
            }
            for (int k = 0; k < starts.length; k++) {
                starts[k] = k;
            }
        }
    }

    /** The flop count, reported by JMH as a rate (flops per second) beside the primary score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flops;
    }

    /** One core. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(STEPS * CHAINS)
    public float fmaOneThread(Operands operands, Flops counter) {
        return chains(operands, counter);
    }

    /** Both cores of the machine; each thread runs its own chains. */
    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(STEPS * CHAINS)
    public float fmaTwoThreads(Operands operands, Flops counter) {
        return chains(operands, counter);
    }

    private static float chains(Operands operands, Flops counter) {
        int lanes = SPECIES.length();
        FloatVector a = FloatVector.fromArray(SPECIES, operands.factors, 0);
        FloatVector b = FloatVector.fromArray(SPECIES, operands.factors, lanes);
        float[] s = operands.starts;
        FloatVector c0 = FloatVector.fromArray(SPECIES, s, 0);
        FloatVector c1 = FloatVector.fromArray(SPECIES, s, lanes);
        FloatVector c2 = FloatVector.fromArray(SPECIES, s, 2 * lanes);
        FloatVector c3 = FloatVector.fromArray(SPECIES, s, 3 * lanes);
        FloatVector c4 = FloatVector.fromArray(SPECIES, s, 4 * lanes);
        FloatVector c5 = FloatVector.fromArray(SPECIES, s, 5 * lanes);
        FloatVector c6 = FloatVector.fromArray(SPECIES, s, 6 * lanes);
        FloatVector c7 = FloatVector.fromArray(SPECIES, s, 7 * lanes);
        FloatVector c8 = FloatVector.fromArray(SPECIES, s, 8 * lanes);
        FloatVector c9 = FloatVector.fromArray(SPECIES, s, 9 * lanes);
        FloatVector c10 = FloatVector.fromArray(SPECIES, s, 10 * lanes);
        FloatVector c11 = FloatVector.fromArray(SPECIES, s, 11 * lanes);
        for (int step = 0; step < STEPS; step++) {
            c0 = a.fma(b, c0);
            c1 = a.fma(b, c1);
            c2 = a.fma(b, c2);
            c3 = a.fma(b, c3);
            c4 = a.fma(b, c4);
            c5 = a.fma(b, c5);
            c6 = a.fma(b, c6);
            c7 = a.fma(b, c7);
            c8 = a.fma(b, c8);
            c9 = a.fma(b, c9);
            c10 = a.fma(b, c10);
            c11 = a.fma(b, c11);
        }
        counter.flops += 2L * lanes * STEPS * CHAINS;
        // reduce: every chain feeds the result, so none is dead code
        FloatVector sum = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10)
                .add(c11);
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
