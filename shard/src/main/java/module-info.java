/**
 * Class-sharded (model-parallel) margin losses, Partial FC sampling, and the collectives they run on: threads in one
 * JVM, or Hazelcast members (an automatic module, com.hazelcast.core) joined over TCP-IP.
 */
@SuppressWarnings("requires-automatic")
module org.marginkernels.shard {
    requires transitive org.marginkernels;
    requires com.hazelcast.core;

    exports org.marginkernels.shard;
}
