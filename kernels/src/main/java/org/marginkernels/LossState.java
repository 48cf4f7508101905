package org.marginkernels;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The explicit state of a stateful loss between training steps: named running statistics (CurricularFace's t,
 * AdaCos's previous scale, ...). Immutable: a step reads one and returns the next with its result
 * ({@link Backend#step}), so a run can be checkpointed, replayed or forked by keeping the value. A stateless loss has
 * the {@link #empty()} state.
 *
 * @param values the statistics by name, every value finite; copied, sorted by name
 */
public record LossState(Map<String, Double> values) {

    private static final LossState EMPTY = new LossState(Map.of());

    public LossState {
        Objects.requireNonNull(values, "values");
        TreeMap<String, Double> copy = new TreeMap<>();
        values.forEach((name, value) -> {
            Objects.requireNonNull(name, "state name");
            if (value == null || !Double.isFinite(value)) {
                throw new IllegalArgumentException("state value " + name + " must be finite, got " + value);
            }
            copy.put(name, value);
        });
        values = Collections.unmodifiableMap(copy);
    }

    /** The state of a stateless loss, and of a stateful one before its first step. */
    public static LossState empty() {
        return EMPTY;
    }

    /** The value called {@code name}, or {@code fallback} when the state has none (before the first step). */
    public double get(String name, double fallback) {
        Double v = values.get(name);
        return v == null ? fallback : v;
    }

    /** This state with {@code name} set to {@code value}. */
    public LossState with(String name, double value) {
        TreeMap<String, Double> next = new TreeMap<>(values);
        next.put(name, value);
        return new LossState(next);
    }
}
