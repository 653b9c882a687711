package io.llmcap.server.ledger.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The one Lettuce connection of a store, standalone/sentinel or cluster, behind the only seam the
 * ledger needs: script commands. Connecting may fail (Redis not up yet); the store then retries in
 * the background while every operation fails fast. Once connected, Lettuce reconnects by itself;
 * commands issued while it is disconnected are rejected at once instead of queued, so a decision
 * never waits longer than the command timeout.
 */
final class RedisConnector implements AutoCloseable {
  private static final Duration RECONNECT_DELAY = Duration.ofMillis(500);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  private final RedisEndpoint endpoint;
  private final ClientResources resources;
  private final RedisClient standalone;
  private final RedisClusterClient cluster;
  private final String description;
  private volatile StatefulConnection<String, String> connection;
  private volatile RedisScriptingCommands<String, String> commands;
  private volatile RedisScriptingAsyncCommands<String, String> asyncCommands;

  RedisConnector(RedisEndpoint endpoint, RedisLedgerStore.Options options) {
    this.endpoint = endpoint;
    List<RedisURI> uris = new ArrayList<>();
    for (String u : endpoint.isCluster() ? endpoint.clusterNodes() : List.of(endpoint.uri())) {
      RedisURI uri = parse(u);
      // Bounds the connection handshake (TLS, HELLO); commands have their own timeout below.
      uri.setTimeout(options.connectTimeout());
      uris.add(uri);
    }
    this.description = uris.stream().map(RedisConnector::describe)
        .collect(Collectors.joining(", "));
    this.resources = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(Delay.constant(RECONNECT_DELAY))
        .build();
    SocketOptions socket = SocketOptions.builder()
        .connectTimeout(options.connectTimeout())
        .keepAlive(true)
        .build();
    SslOptions ssl = options.trustedCertificates() == null
        ? SslOptions.create()
        : SslOptions.builder().jdkSslProvider()
            .trustManager(options.trustedCertificates().toFile()).build();
    TimeoutOptions timeouts = TimeoutOptions.enabled(options.commandTimeout());
    if (endpoint.isCluster()) {
      this.standalone = null;
      this.cluster = RedisClusterClient.create(resources, uris);
      cluster.setOptions(ClusterClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(socket)
          .sslOptions(ssl)
          .timeoutOptions(timeouts)
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
              .enablePeriodicRefresh(Duration.ofSeconds(30))
              .enableAllAdaptiveRefreshTriggers()
              .build())
          .build());
    } else {
      this.cluster = null;
      this.standalone = RedisClient.create(resources, uris.get(0));
      standalone.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(socket)
          .sslOptions(ssl)
          .timeoutOptions(timeouts)
          .build());
    }
  }

  /**
   * Opens the connection if it is not open yet.
   *
   * @throws RedisException when Redis cannot be reached or refuses the connection
   */
  synchronized void connect() {
    if (commands != null) {
      return;
    }
    if (cluster != null) {
      StatefulRedisClusterConnection<String, String> c = cluster.connect();
      connection = c;
      asyncCommands = c.async();
      commands = c.sync();
    } else {
      StatefulRedisConnection<String, String> c = standalone.connect();
      connection = c;
      asyncCommands = c.async();
      commands = c.sync();
    }
  }

  /** The script commands, or null while the first connection has not been made. */
  RedisScriptingCommands<String, String> commands() {
    return commands;
  }

  /** The same commands without waiting for answers, or null while not connected yet. */
  RedisScriptingAsyncCommands<String, String> asyncCommands() {
    return asyncCommands;
  }

  /** Connected now (Lettuce may be reconnecting after having been connected). */
  boolean isOpen() {
    StatefulConnection<String, String> c = connection;
    return c != null && c.isOpen();
  }

  /** Host and port list for messages; never credentials. */
  String description() {
    return description;
  }

  RedisEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public synchronized void close() {
    StatefulConnection<String, String> c = connection;
    if (c != null) {
      c.close();
    }
    long timeoutMs = SHUTDOWN_TIMEOUT.toMillis();
    if (cluster != null) {
      cluster.shutdown(0, timeoutMs, TimeUnit.MILLISECONDS);
    } else {
      standalone.shutdown(0, timeoutMs, TimeUnit.MILLISECONDS);
    }
    resources.shutdown(0, timeoutMs, TimeUnit.MILLISECONDS);
  }

  private static RedisURI parse(String uri) {
    try {
      return RedisURI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + redact(uri) + "' is not a Redis URI: "
          + e.getMessage() + "; use redis://host:6379, rediss://host:6380 or "
          + "redis-sentinel://host:26379#primary-name", e);
    }
  }

  private static String describe(RedisURI uri) {
    if (!uri.getSentinels().isEmpty()) {
      return "sentinel " + uri.getSentinels().stream()
          .map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(","))
          + " primary " + uri.getSentinelMasterId();
    }
    return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
  }

  /** Drops a password written into a URI ({@code redis://:secret@host}) before it is shown. */
  static String redact(String uri) {
    return uri.replaceAll("//[^@/]*@", "//***@");
  }
}
