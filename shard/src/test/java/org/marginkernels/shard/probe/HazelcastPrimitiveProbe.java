package org.marginkernels.shard.probe;

import com.hazelcast.collection.IQueue;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * Which Hazelcast primitive moves a step's all-gathers fastest: two embedded members on loopback in one JVM run the
 * same all-gather of a B-sized (2 KB) and a dX-sized (512 KB) array through an IMap (put, then poll the peer's
 * key), an ITopic (publish, listener into a local queue), a Reliable Topic (the same on a ringbuffer) and an IQueue
 * per rank (offer to the peer's, poll one's own), and print the median time per all-gather. The numbers chose the
 * primitive of HazelcastCollectives (docs/sharding.md). Run, once scripts/shard-bench.sh has compiled the tests and
 * written their class path to shard/target/bench.cp:
 * {@code java -cp shard/target/classes:shard/target/test-classes:$(cat shard/target/bench.cp)
 * org.marginkernels.shard.probe.HazelcastPrimitiveProbe}
 */
public final class HazelcastPrimitiveProbe {

    private interface Exchange {
        byte[] swap(int round, byte[] mine) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        HazelcastInstance[] m = {member(5801), member(5802)};
        try {
            for (int bytes : new int[] {2048, 512 * 1024}) {
                int rounds = bytes < 10_000 ? 2000 : 100;
                report("IMap", bytes, rounds, imap(m[0], 0), imap(m[1], 1));
                report("ITopic", bytes, rounds, topic(m[0], 0, false), topic(m[1], 1, false));
                report("ReliableTopic", bytes, rounds, topic(m[0], 0, true), topic(m[1], 1, true));
                report("IQueue", bytes, rounds, queue(m[0], 0), queue(m[1], 1));
            }
        } finally {
            m[0].shutdown();
            m[1].shutdown();
        }
    }

    private static HazelcastInstance member(int port) {
        Config c = new Config().setClusterName("probe").setInstanceName("probe-" + port);
        c.setProperty("hazelcast.logging.type", "none");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        JoinConfig join = c.getNetworkConfig().getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:5801").addMember("127.0.0.1:5802");
        c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        return Hazelcast.newHazelcastInstance(c);
    }

    private static Exchange imap(HazelcastInstance h, int rank) {
        IMap<String, byte[]> map = h.getMap("probe-map");
        return (round, mine) -> {
            map.set(round + "/" + rank, mine);
            String peer = round + "/" + (1 - rank);
            byte[] got;
            while ((got = map.get(peer)) == null) {
                Thread.onSpinWait();
            }
            return got;
        };
    }

    private static Exchange topic(HazelcastInstance h, int rank, boolean reliable) {
        ITopic<byte[]> topic = reliable ? h.getReliableTopic("probe-rt") : h.getTopic("probe-topic");
        BlockingQueue<byte[]> inbox = new ArrayBlockingQueue<>(1 << 16);
        topic.addMessageListener(msg -> {
            if (!msg.getPublishingMember().localMember()) {
                inbox.add(msg.getMessageObject());
            }
        });
        return (round, mine) -> {
            topic.publish(mine);
            return inbox.poll(30, TimeUnit.SECONDS);
        };
    }

    private static Exchange queue(HazelcastInstance h, int rank) {
        IQueue<byte[]> mineQ = h.getQueue("probe-q" + rank);
        IQueue<byte[]> peerQ = h.getQueue("probe-q" + (1 - rank));
        return (round, mine) -> {
            peerQ.offer(mine);
            return mineQ.poll(30, TimeUnit.SECONDS);
        };
    }

    private static void report(String name, int bytes, int rounds, Exchange a, Exchange b) throws Exception {
        long[] times = new long[rounds];
        CyclicBarrier start = new CyclicBarrier(2);
        Thread peer = Thread.ofPlatform().start(() -> {
            try {
                byte[] data = new byte[bytes];
                for (int r = 0; r < rounds; r++) {
                    start.await();
                    b.swap(r, data);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        byte[] data = new byte[bytes];
        for (int r = 0; r < rounds; r++) {
            start.await();
            long t0 = System.nanoTime();
            a.swap(r, data);
            times[r] = System.nanoTime() - t0;
        }
        peer.join();
        Arrays.sort(times);
        System.out.printf(Locale.ROOT, "%-14s %7d bytes: median %8.1f us, p90 %8.1f us%n", name, bytes,
                times[rounds / 2] / 1e3, times[rounds * 9 / 10] / 1e3);
    }

    private HazelcastPrimitiveProbe() {
    }
}
