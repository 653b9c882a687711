package io.llmcap.server.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * A three-primary Redis Cluster of {@link RedisServerProcess}es on free loopback ports, slots
 * split evenly, joined with CLUSTER MEET; ready once every node reports {@code cluster_state:ok}.
 */
public final class RedisClusterProcess implements AutoCloseable {
  private static final int SLOTS = 16384;
  private static final long READY_TIMEOUT_MS = 20_000;

  private final List<RedisServerProcess> nodes;

  private RedisClusterProcess(List<RedisServerProcess> nodes) {
    this.nodes = nodes;
  }

  public static RedisClusterProcess start(int primaries) {
    List<RedisServerProcess> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < primaries; i++) {
        nodes.add(RedisServerProcess.start("--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"));
      }
      for (int i = 0; i < primaries; i++) {
        int from = i * SLOTS / primaries;
        int to = (i + 1) * SLOTS / primaries;
        List<String> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
        for (int slot = from; slot < to; slot++) {
          args.add(Integer.toString(slot));
        }
        check(nodes.get(i).command(args.toArray(String[]::new)));
      }
      for (int i = 1; i < primaries; i++) {
        check(nodes.get(0).command("CLUSTER", "MEET", "127.0.0.1",
            Integer.toString(nodes.get(i).port())));
      }
      RedisClusterProcess cluster = new RedisClusterProcess(nodes);
      cluster.awaitOk();
      return cluster;
    } catch (RuntimeException e) {
      nodes.forEach(RedisServerProcess::close);
      throw e;
    }
  }

  public List<RedisServerProcess> nodes() {
    return nodes;
  }

  /** Seed URIs of every node. */
  public List<String> uris() {
    return nodes.stream().map(RedisServerProcess::uri).toList();
  }

  /** The node that serves the slot of {@code key}. */
  public RedisServerProcess nodeFor(String key) {
    int slot = Integer.parseInt(nodes.get(0).command("CLUSTER", "KEYSLOT", key));
    for (int i = 0; i < nodes.size(); i++) {
      if (slot < (i + 1) * SLOTS / nodes.size()) {
        return nodes.get(i);
      }
    }
    throw new IllegalStateException("slot " + slot + " out of range");
  }

  @Override
  public void close() {
    nodes.forEach(RedisServerProcess::close);
  }

  private void awaitOk() {
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    while (System.currentTimeMillis() < deadline) {
      boolean ok = true;
      for (RedisServerProcess n : nodes) {
        String info = n.command("CLUSTER", "INFO");
        ok &= info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + nodes.size());
      }
      if (ok) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the cluster", e);
      }
    }
    throw new IllegalStateException("Redis cluster not ok within " + READY_TIMEOUT_MS + " ms");
  }

  private static void check(String reply) {
    if (reply == null || reply.startsWith("-")) {
      throw new IllegalStateException("cluster setup failed: " + reply);
    }
  }
}
