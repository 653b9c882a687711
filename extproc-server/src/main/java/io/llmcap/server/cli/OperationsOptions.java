package io.llmcap.server.cli;

import io.llmcap.server.Engine;
import io.llmcap.server.admin.AdminFeatures;
import io.llmcap.server.admin.AdminToken;
import io.llmcap.server.admin.RecentDenials;
import io.llmcap.server.alerts.AlertMonitor;
import io.llmcap.server.alerts.AlertSink;
import io.llmcap.server.alerts.ConfiguredWebhookSink;
import io.llmcap.server.audit.AuditLog;
import io.llmcap.server.audit.JsonLinesAuditFile;
import io.llmcap.server.config.StoreConfig;
import io.llmcap.server.ledger.redis.RedisEndpoint;
import io.llmcap.server.ledger.redis.RedisStreamAuditSink;
import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.extproc.CallListeners;
import io.llmcap.server.metrics.ConfigReloads;
import io.llmcap.server.metrics.LlmcapMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The options of {@code serve} for operating it: admin token, metrics, audit trail, recent denials. */
final class OperationsOptions {
  private static final Logger log = LoggerFactory.getLogger(OperationsOptions.class);

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "File holding the bearer token that admin writes (reset, limit) require. Default: the "
          + AdminToken.ENV + " environment variable; with neither, admin writes are disabled.")
  Path adminTokenFile;

  @Option(names = "--metrics-top-subjects", defaultValue = "10", paramLabel = "N",
      description = "Per-subject metric series for the N subjects of each per-cap with the most spend "
          + "(default: ${DEFAULT-VALUE}; 0: per-cap totals only).")
  int metricsTopSubjects;

  @Option(names = "--recent-denials", defaultValue = "100", paramLabel = "N",
      description = "Denials kept in memory for the status page and /v1/denials (default: ${DEFAULT-VALUE}).")
  int recentDenials;

  @Option(names = "--audit-file", paramLabel = "FILE",
      description = "Write one JSON line per decision and settlement to FILE (rotated by size). Default: no audit trail.")
  Path auditFile;

  @Option(names = "--audit-max-file-size", defaultValue = "100", paramLabel = "MB",
      description = "Rotate the audit file at this size in MiB (default: ${DEFAULT-VALUE}).")
  long auditMaxFileMb;

  @Option(names = "--audit-max-files", defaultValue = "10", paramLabel = "N",
      description = "Rotated audit files kept (default: ${DEFAULT-VALUE}).")
  int auditMaxFiles;

  @Option(names = "--audit-max-age", paramLabel = "AGE", converter = DurationConverter.class,
      description = "Delete rotated audit files older than this (e.g. 720h). Default: no age limit.")
  Duration auditMaxAge;

  @Option(names = "--audit-redis-stream", paramLabel = "KEY",
      description = "Also append audit records to this Redis stream on the store's Redis (store.type: redis). "
          + "Default: no stream.")
  String auditRedisStream;

  @Option(names = "--audit-redis-max-length", defaultValue = "1000000", paramLabel = "N",
      description = "Entries the audit stream keeps, approximately (default: ${DEFAULT-VALUE}).")
  long auditRedisMaxLength;

  @Option(names = "--audit-queue", defaultValue = "65536", paramLabel = "N",
      description = "Audit records waiting for the disk before new ones are dropped (default: ${DEFAULT-VALUE}).")
  int auditQueue;

  /**
   * Everything the options turn on, around one engine: the engine with its store timed for
   * metrics, the listeners for the server, the admin features, and what to close at the end.
   */
  static final class Operations implements AutoCloseable {
    private final Engine engine;
    private final CallListener listener;
    private final AdminFeatures adminFeatures;
    private final LlmcapMetrics metrics;
    private final List<AutoCloseable> closeables;

    private Operations(Engine engine, CallListener listener, AdminFeatures adminFeatures, LlmcapMetrics metrics,
        List<AutoCloseable> closeables) {
      this.engine = engine;
      this.listener = listener;
      this.adminFeatures = adminFeatures;
      this.metrics = metrics;
      this.closeables = closeables;
    }

    /** The engine to serve: the given one with its ledger timed. */
    Engine engine() {
      return engine;
    }

    CallListener listener() {
      return listener;
    }

    AdminFeatures adminFeatures() {
      return adminFeatures;
    }

    /** For the config reload code. */
    ConfigReloads configReloads() {
      return metrics.configReloads();
    }

    /** Closes the audit trail (writing what is queued) and the alert threads; call after the server has stopped. */
    @Override
    public void close() {
      for (AutoCloseable c : closeables) {
        try {
          c.close();
        } catch (Exception e) {
          log.warn("closing {} failed: {}", c, e.toString());
        }
      }
    }
  }

  /**
   * @param current the engine in force once the server runs (reloads replace it); before that, {@code engine}
   * @throws IllegalArgumentException for a bad token or audit setting (the message says which)
   */
  Operations open(Engine engine, Supplier<Engine> current) throws IOException {
    AdminToken token = AdminToken.load(adminTokenFile, System.getenv(AdminToken.ENV));
    AtomicReference<Engine> fallback = new AtomicReference<>();
    Supplier<Engine> live = () -> {
      Engine e = current.get();
      return e != null ? e : fallback.get();
    };
    LlmcapMetrics metrics = new LlmcapMetrics(live, metricsTopSubjects);
    Engine timed = new Engine(engine.config(), engine.catalog(), engine.policy(), engine.providers(),
        engine.unknownModelPrice(), metrics.timed(engine.ledger()), engine.clock());
    fallback.set(timed);
    List<CallListener> listeners = new ArrayList<>();
    List<AutoCloseable> closeables = new ArrayList<>();
    listeners.add(metrics.callListener());
    RecentDenials denials = new RecentDenials(Math.max(1, recentDenials));
    listeners.add(denials);
    // Thresholds and webhook follow caps-file reloads.
    Supplier<io.llmcap.server.config.AlertsConfig> alertsConfig = () -> live.get().config().alerts();
    AlertSink sink = new ConfiguredWebhookSink(alertsConfig, 5, Duration.ofSeconds(1));
    AlertMonitor alerts = new AlertMonitor(alertsConfig, () -> live.get().ledger(), sink);
    listeners.add(alerts);
    closeables.add(alerts);
    if (auditFile != null) {
      JsonLinesAuditFile file = new JsonLinesAuditFile(auditFile,
          new JsonLinesAuditFile.Retention(auditMaxFileMb << 20, auditMaxFiles, auditMaxAge), Clock.systemUTC());
      AuditLog audit = new AuditLog(file, auditQueue);
      metrics.auditDrops("file", audit::dropped);
      listeners.add(audit);
      closeables.add(0, audit);
      log.info("audit trail: {} (rotated at {} MiB, {} kept{})", auditFile.toAbsolutePath(), auditMaxFileMb,
          auditMaxFiles, auditMaxAge == null ? "" : ", deleted after " + auditMaxAge);
    }
    if (auditRedisStream != null) {
      StoreConfig store = engine.config().store();
      if (store.type() != StoreConfig.Type.REDIS) {
        throw new IllegalArgumentException("--audit-redis-stream writes to the store's Redis: it needs "
            + "store.type: redis in the caps file (use --audit-file with the memory store)");
      }
      RedisEndpoint endpoint = store.uri() != null ? RedisEndpoint.of(store.uri()) : RedisEndpoint.cluster(store.nodes());
      AuditLog stream = new AuditLog(
          RedisStreamAuditSink.open(endpoint, auditRedisStream, auditRedisMaxLength, store.timeout()), auditQueue);
      metrics.auditDrops("redis", stream::dropped);
      listeners.add(stream);
      closeables.add(0, stream);
      log.info("audit trail also in Redis stream {} (about {} entries kept)", auditRedisStream, auditRedisMaxLength);
    }
    log.info("alerts at {} of each cap{}", alerts.thresholdNames(),
        engine.config().alerts().webhook() == null ? " (log only: no alerts.webhook)"
            : ", posted to " + engine.config().alerts().webhook().getHost());
    return new Operations(timed, CallListeners.of(listeners), new AdminFeatures(metrics, token, denials), metrics,
        closeables);
  }
}
