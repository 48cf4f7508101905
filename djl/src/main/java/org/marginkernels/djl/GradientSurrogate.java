package org.marginkernels.djl;

import ai.djl.ndarray.NDArray;

/**
 * Hands gradients computed outside DJL's autograd back to it. DJL's PyTorch engine has no Java API for a custom
 * autograd function, so the fused head computes the loss L and its gradients G_k = dL/dA_k eagerly and returns
 *
 * <pre>  out = L + sum_k (t_k - stopGradient(t_k)),   t_k = dot(flatten(A_k), flatten(G_k))  (G_k a constant)</pre>
 *
 * <p>Forward: t_k - stopGradient(t_k) is exactly 0 in float arithmetic, so {@code out} equals L bit for bit.
 * Backward: d out / d A_k = G_k, because the stopped copy and the constant G_k contribute nothing; an upstream
 * gradient u (a scaled or summed loss) gives u G_k, as it would for a native op. When A_k came out of other layers
 * (a CNN's embeddings), autograd carries G_k on through them.
 */
final class GradientSurrogate {

    private GradientSurrogate() {
    }

    /**
     * A scalar whose value is {@code value} and whose gradient with respect to each {@code inputs[k]} is
     * {@code grads[k]}.
     *
     * @param value the loss, already computed
     * @param inputs the arrays the loss was computed from (they may require gradients). Not modified.
     * @param grads dL/dinputs[k], same element counts, not requiring gradients; the result and its intermediates
     *     belong to their managers. Not modified.
     * @throws IllegalArgumentException if the counts of arrays or of elements differ
     */
    static NDArray of(double value, NDArray[] inputs, NDArray[] grads) {
        if (inputs.length != grads.length || inputs.length == 0) {
            throw new IllegalArgumentException("inputs and grads must pair up, got " + inputs.length + " and "
                    + grads.length);
        }
        NDArray out = null;
        for (int k = 0; k < inputs.length; k++) {
            if (inputs[k].size() != grads[k].size()) {
                throw new IllegalArgumentException("grads[" + k + "] must have the " + inputs[k].size()
                        + " elements of inputs[" + k + "], got " + grads[k].size());
            }
            // the input's view joins the gradient's manager (the step's): ops attach results to the manager of the
            // array they are called on, and W's is the parameter's, which lives for the whole training
            NDArray input = inputs[k].flatten();
            input.attach(grads[k].getManager());
            NDArray linear = grads[k].flatten().dot(input);
            NDArray zero = linear.sub(linear.stopGradient());
            out = out == null ? zero : out.add(zero);
        }
        return out.add((float) value);
    }
}
