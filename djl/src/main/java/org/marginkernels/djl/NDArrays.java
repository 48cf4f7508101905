package org.marginkernels.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Moves floats between DJL arrays and the Java arrays the margin-kernels backends read and write.
 *
 * <p>Reading: for a contiguous float32 CPU array, {@code toByteBuffer(true)} on the PyTorch engine is a direct buffer
 * over the tensor's own storage (no copy on the native side). The class weights are read through it as a
 * {@link MemorySegment} (the backends take off-heap weights); the features, small, are copied into a Java array.
 * Writing: a direct buffer the backend filled becomes the tensor's storage ({@code torch::from_blob}), so DJL copies
 * nothing more.
 */
final class NDArrays {

    private NDArrays() {
    }

    /**
     * The array's float32 values, row-major, into {@code out}.
     *
     * @param name the argument's name for error messages
     * @param array a float32 array of {@code out.length} elements. Not modified.
     * @param out receives the values. Modified.
     * @throws IllegalArgumentException if the type or the element count differ
     */
    static void readFloats(String name, NDArray array, float[] out) {
        checkFloats(name, array, out.length);
        ByteBuffer view = array.toByteBuffer(true);
        view.order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
    }

    /**
     * The array's float32 values, row-major, as a segment over the tensor's own storage where DJL gives a direct view
     * (a contiguous CPU array), else over the copy it returns.
     *
     * @param name the argument's name for error messages
     * @param array a float32 array (its element count is the backend's to check). Not modified.
     * @throws IllegalArgumentException if the type is not float32
     */
    static MemorySegment segment(String name, NDArray array) {
        checkFloat32(name, array);
        return MemorySegment.ofBuffer(array.toByteBuffer(true));
    }

    /** @throws IllegalArgumentException naming {@code name} unless the array is float32 */
    private static void checkFloat32(String name, NDArray array) {
        if (array.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException(name + " must be float32, got " + array.getDataType());
        }
    }

    /** @throws IllegalArgumentException naming {@code name} unless the array is float32 with this many elements */
    private static void checkFloats(String name, NDArray array, long elements) {
        checkFloat32(name, array);
        if (array.size() != elements) {
            throw new IllegalArgumentException(name + " must have " + elements + " elements, got " + array.size()
                    + " (shape " + array.getShape() + ")");
        }
    }

    /**
     * Integer labels from an int or float array (DJL datasets often hold labels as float32); a float that is not a
     * whole number is rejected.
     *
     * @throws IllegalArgumentException naming {@code labels} if a value is not a whole number
     */
    static int[] labels(NDArray labels) {
        DataType type = labels.getDataType();
        if (type == DataType.INT32) {
            return labels.toIntArray();
        }
        if (type == DataType.INT64) {
            long[] wide = labels.toLongArray();
            int[] out = new int[wide.length];
            for (int i = 0; i < wide.length; i++) {
                out[i] = toLabel(i, wide[i]);
            }
            return out;
        }
        if (!type.isFloating()) {
            throw new IllegalArgumentException("labels must be int32, int64 or a floating type, got " + type);
        }
        double[] values = labels.toType(DataType.FLOAT64, false).toDoubleArray();
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] != Math.rint(values[i])) {
                throw new IllegalArgumentException("labels[" + i + "] must be a whole number, got " + values[i]);
            }
            out[i] = toLabel(i, (long) values[i]);
        }
        return out;
    }

    private static int toLabel(int i, long value) {
        if (value != (int) value) {
            throw new IllegalArgumentException("labels[" + i + "] must fit an int, got " + value);
        }
        return (int) value;
    }
}
