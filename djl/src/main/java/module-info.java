/**
 * The fused margin head as a DJL block ({@link org.marginkernels.djl.MarginHead}) and loss. DJL's jars are
 * automatic modules (ai.djl.api); the PyTorch engine is found by DJL's own service loading at run time.
 */
@SuppressWarnings("requires-transitive-automatic")
module org.marginkernels.djl {
    requires transitive org.marginkernels;
    requires transitive ai.djl.api;

    exports org.marginkernels.djl;
    exports org.marginkernels.djl.examples;
}
