/**
 * The fused margin head as a DJL block ({@link org.marginkernels.djl.MarginHead}) and loss. DJL's jars are
 * automatic modules (ai.djl.api, ai.djl.pytorch_engine); the PyTorch engine is found by DJL's own service loading at
 * run time, and read directly only by the head's DIRECT mode (libtorch's grad mode).
 */
@SuppressWarnings("requires-transitive-automatic")
module org.marginkernels.djl {
    requires transitive org.marginkernels;
    requires transitive ai.djl.api;
    requires ai.djl.pytorch_engine;

    exports org.marginkernels.djl;
    exports org.marginkernels.djl.examples;
}
