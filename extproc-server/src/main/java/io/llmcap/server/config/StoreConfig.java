package io.llmcap.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where spend is kept ({@code store:} in the caps file).
 *
 * @param path memory store: the journal directory; null for redis
 * @param uri redis: a Lettuce URI; null when {@code nodes} is used or for memory
 * @param nodes redis cluster seed URIs; empty unless used
 * @param onFailure what calls get while the store cannot answer
 * @param holdTtl how long a reservation may stay unsettled before it is charged in full
 */
public record StoreConfig(
    Type type, Path path, String uri, List<String> nodes, FailureMode onFailure, Duration holdTtl,
    Duration timeout) {

  public static final Path DEFAULT_PATH = Path.of("./llmcap-data");
  public static final Duration DEFAULT_HOLD_TTL = Duration.ofMinutes(10);
  /** Longest wait for one Redis answer: a call makes at most two store round trips before Envoy's 2 s timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);

  public enum Type {
    MEMORY,
    REDIS
  }

  public enum FailureMode {
    /** Deny (503 in the provider's error shape) while the store is unreachable. */
    CLOSED,
    /** Allow and meter locally while the store is unreachable. */
    OPEN
  }

  public StoreConfig {
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
  }

  /** The default: memory store journaled under {@code ./llmcap-data}, fail closed, 10 min holds. */
  public static StoreConfig defaults() {
    return new StoreConfig(
        Type.MEMORY, DEFAULT_PATH, null, List.of(), FailureMode.CLOSED, DEFAULT_HOLD_TTL, DEFAULT_TIMEOUT);
  }
}
