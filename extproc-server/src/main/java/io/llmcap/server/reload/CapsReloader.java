package io.llmcap.server.reload;

import io.llmcap.server.Engine;
import io.llmcap.server.EngineFactory;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.config.CapsFileParser;
import io.llmcap.server.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the caps file and puts a changed, valid one in force on the server; an invalid one is refused and the
 * last good caps stay in force. Changes are detected by content (SHA-256 of the bytes, read through any symlinks),
 * so Kubernetes' swap of a ConfigMap's {@code ..data} link, an editor's rename-over or an in-place write all count,
 * and a touch without a change does not.
 *
 * <p>Calls already in flight keep the engine they started with; the ledger is shared, so their reservations settle
 * exactly once whatever happens to the file meanwhile.
 */
public final class CapsReloader {
  private static final Logger log = LoggerFactory.getLogger(CapsReloader.class);

  private final Path file;
  private final LlmcapServer server;
  private final ReloadListener listener;
  private final Clock clock;
  private String inForceSha256;
  private Instant inForceSince;
  private String lastSeenSha256;
  private volatile String readinessDetail = "";

  /**
   * @param file the caps file the server was started with (e.g. {@code /etc/llmcap/caps.yaml}, itself a symlink
   *     into a mounted ConfigMap)
   */
  public CapsReloader(Path file, LlmcapServer server, ReloadListener listener, Clock clock) {
    this.file = file;
    this.server = server;
    this.listener = listener;
    this.clock = clock;
  }

  /** Reads the file once; applies it if its bytes differ from the last ones seen. Serialised. */
  public synchronized ReloadOutcome reloadIfChanged() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      String sha = "unreadable:" + e.getClass().getSimpleName();
      if (sha.equals(lastSeenSha256)) {
        return ReloadOutcome.UNCHANGED;
      }
      lastSeenSha256 = sha;
      return refuse(new ConfigException(file.toString(), 0, 0, "",
          "cannot read the caps file (" + e + "); check the mount or ConfigMap still holds it"));
    }
    String sha = sha256(bytes);
    if (sha.equals(lastSeenSha256)) {
      return ReloadOutcome.UNCHANGED;
    }
    boolean baseline = lastSeenSha256 == null;
    lastSeenSha256 = sha;
    Engine next;
    try {
      CapsConfig config = CapsFileParser.parse(new String(bytes, StandardCharsets.UTF_8), file.toString());
      next = EngineFactory.reload(config, file.toString(), server.engine());
    } catch (ConfigException e) {
      return refuse(e);
    }
    server.apply(next);
    inForceSha256 = sha;
    inForceSince = clock.instant();
    readinessDetail = "";
    if (baseline) {
      // The first look confirms the file the server started from (re-applying the same caps is harmless, and
      // covers a change that landed between start-up and the first look).
      log.info("caps file {} (sha256 {}) in force; watching it for changes", file, shortSha(sha));
      return ReloadOutcome.APPLIED;
    }
    log.info("caps file {} reloaded (sha256 {}): {} cap(s) in force for new calls; calls in flight finish under "
        + "the caps they started with", file, shortSha(sha), next.config().caps().size());
    notifyListener(() -> listener.applied(next.config(), sha));
    return ReloadOutcome.APPLIED;
  }

  /** Empty while the newest file is in force; otherwise why it was refused and which file still is. */
  public String readinessDetail() {
    return readinessDetail;
  }

  private ReloadOutcome refuse(ConfigException error) {
    String keeping = inForceSha256 == null
        ? "keeping the caps the server started with"
        : "keeping caps file sha256 " + shortSha(inForceSha256) + " in force since " + inForceSince;
    readinessDetail = "caps reload refused at " + clock.instant() + ": " + error.getMessage() + " (" + keeping + ")";
    log.warn("caps file {} refused, {}: {}", file, keeping, error.getMessage());
    notifyListener(() -> listener.refused(error));
    return ReloadOutcome.REFUSED;
  }

  private static void notifyListener(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("reload listener failed (ignored): {}", e.toString());
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String shortSha(String sha) {
    return sha.substring(0, 12);
  }
}
