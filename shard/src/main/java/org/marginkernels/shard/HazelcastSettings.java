package org.marginkernels.shard;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How one rank of a {@link HazelcastCollectives} group starts its embedded member: the members' addresses in rank
 * order (TCP-IP join, no multicast or auto-detection), this rank's index in that list, and the timeouts. Ranks come
 * from this configuration, never from join order.
 *
 * @param clusterName the Hazelcast cluster name; groups with different names never meet
 * @param members "host:port" of every rank, in rank order
 * @param rank this member's index in {@code members}
 * @param timeout the longest a collective call waits for the other ranks
 * @param joinTimeout the longest {@link HazelcastCollectives#join} waits for every member
 * @param quiet whether to switch Hazelcast's own logging off
 */
public record HazelcastSettings(String clusterName, List<String> members, int rank, Duration timeout,
        Duration joinTimeout, boolean quiet) {

    /** The member attribute holding a member's rank. */
    static final String RANK_ATTRIBUTE = "marginkernels.rank";

    public HazelcastSettings {
        if (clusterName == null || clusterName.isBlank()) {
            throw new IllegalArgumentException("clusterName must not be blank, got '" + clusterName + "'");
        }
        if (members == null || members.isEmpty()) {
            throw new IllegalArgumentException("members must list at least one host:port, got " + members);
        }
        members = List.copyOf(members);
        for (String m : members) {
            port(m);
        }
        if (rank < 0 || rank >= members.size()) {
            throw new IllegalArgumentException("rank must be in [0, " + members.size() + "), got " + rank);
        }
        positive("timeout", timeout);
        positive("joinTimeout", joinTimeout);
    }

    /**
     * {@code size} members on 127.0.0.1 at ports basePort, basePort + 1, ...
     *
     * @throws IllegalArgumentException on a size below 1, ports outside [1, 65535] or a rank outside [0, size)
     */
    public static HazelcastSettings loopback(String clusterName, int basePort, int size, int rank, Duration timeout,
            Duration joinTimeout) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be >= 1, got " + size);
        }
        List<String> members = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            members.add("127.0.0.1:" + (basePort + r));
        }
        return new HazelcastSettings(clusterName, members, rank, timeout, joinTimeout, true);
    }

    /** The number of ranks. */
    public int size() {
        return members.size();
    }

    /** The embedded member's configuration: this rank's port and host, TCP-IP join on the listed members. */
    public Config toConfig() {
        String me = members.get(rank);
        Config c = new Config().setClusterName(clusterName).setInstanceName(clusterName + "-rank-" + rank);
        if (quiet) {
            c.setProperty("hazelcast.logging.type", "none");
        }
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        // members are listed, so there is nothing to wait for before joining (default 5 s)
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        // a dead member leaves the member list within seconds, not the default 60 s (our timeout bounds it anyway)
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(Math.max(3, timeout.toSeconds())));
        // the collectives keep no partitioned data (a topic only): few partitions make joins and shutdowns quick
        c.setProperty("hazelcast.partition.count", "7");
        c.setProperty("hazelcast.graceful.shutdown.max.wait", "5");
        c.getMemberAttributeConfig().setAttribute(RANK_ATTRIBUTE, String.valueOf(rank));
        c.getNetworkConfig().setPort(port(me)).setPortAutoIncrement(false);
        c.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(host(me));
        JoinConfig join = c.getNetworkConfig().getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(members);
        return c;
    }

    static String host(String member) {
        return member.substring(0, member.lastIndexOf(':'));
    }

    static int port(String member) {
        int colon = member == null ? -1 : member.lastIndexOf(':');
        int port;
        try {
            port = colon <= 0 ? -1 : Integer.parseInt(member.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("members must be host:port with a port in [1, 65535], got '"
                    + member + "'");
        }
        return port;
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
