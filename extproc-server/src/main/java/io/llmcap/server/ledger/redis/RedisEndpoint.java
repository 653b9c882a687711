package io.llmcap.server.ledger.redis;

import java.util.List;
import java.util.Objects;

/**
 * Where the Redis ledger lives: one Lettuce URI ({@code redis://}, {@code rediss://} for TLS,
 * {@code redis-sentinel://} for a Sentinel-managed primary) or the seed nodes of a Redis Cluster.
 *
 * @param uri standalone or sentinel URI; null for a cluster
 * @param clusterNodes cluster seed URIs; empty unless this is a cluster
 */
public record RedisEndpoint(String uri, List<String> clusterNodes) {

  public RedisEndpoint {
    clusterNodes = clusterNodes == null ? List.of() : List.copyOf(clusterNodes);
    if ((uri == null) == clusterNodes.isEmpty()) {
      throw new IllegalArgumentException(
          "a Redis endpoint is either one uri or a list of cluster nodes, got uri=" + uri
              + " and " + clusterNodes.size() + " nodes");
    }
  }

  /** A standalone server, a TLS server ({@code rediss://}) or a Sentinel group. */
  public static RedisEndpoint of(String uri) {
    return new RedisEndpoint(Objects.requireNonNull(uri, "uri"), List.of());
  }

  /** A Redis Cluster reached through any of these seed nodes. */
  public static RedisEndpoint cluster(List<String> nodes) {
    return new RedisEndpoint(null, nodes);
  }

  public boolean isCluster() {
    return uri == null;
  }
}
