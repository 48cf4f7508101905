package org.marginkernels.examples;

/**
 * A trainable array with its gradient and its momentum buffer.
 *
 * @param name a label for messages
 * @param value the parameter values. Modified by the optimizer.
 * @param grad the gradient of the loss, same shape. Written by backward passes.
 * @param velocity the momentum buffer, same shape. Modified by the optimizer.
 * @param decay whether weight decay applies (weights yes, biases no)
 */
public record Parameter(String name, float[] value, float[] grad, float[] velocity, boolean decay) {

    /** A parameter over {@code value} with zeroed gradient and velocity. */
    public static Parameter of(String name, float[] value, boolean decay) {
        return new Parameter(name, value, new float[value.length], new float[value.length], decay);
    }
}
