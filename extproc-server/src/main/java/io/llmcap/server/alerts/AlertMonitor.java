package io.llmcap.server.alerts;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.config.AlertsConfig;
import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.LedgerStore;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires spend alerts. On every decision it compares each matched cap's committed spend (spent plus
 * what calls in flight hold, the figure that makes a cap deny) with the thresholds of {@code
 * alerts.thresholds}; a shadow cap's would-be denial is an alert too. Settlement only ever lowers
 * a reservation to the real cost, so checking at decisions never misses a crossing.
 *
 * <p>Exactly once per cap instance, window and threshold across replicas: the alert thread claims
 * it in the spend store ({@link LedgerStore#claimAlert}), and only the winner logs and sends it. A
 * short-lived local memory of what was already claimed keeps the store from being asked on every
 * call. Nothing here blocks a decision: claims and sends run on one background thread with a
 * bounded queue; when the queue is full the alert is dropped for now (logged) and tried again by a
 * later call.
 */
public final class AlertMonitor implements CallListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertMonitor.class);
  /** How long this replica trusts its memory of a claim before asking the store again (a reset re-arms alerts). */
  static final Duration LOCAL_MEMORY = Duration.ofSeconds(60);
  private static final int QUEUE = 1024;
  private static final int MAX_REMEMBERED = 50_000;

  private final Supplier<AlertsConfig> config;
  private volatile Parsed parsed;
  private final Supplier<LedgerStore> ledger;
  private final AlertSink sink;
  private final ThreadPoolExecutor worker;
  private final Map<String, Instant> recentlyClaimed = new ConcurrentHashMap<>();

  /** The thresholds of one caps file, parsed once per file (a reload brings a new config object). */
  private record Parsed(AlertsConfig source, Threshold[] thresholds) {}

  /** One threshold as an exact fraction {@code numerator / 10^scale}. */
  private record Threshold(String name, long numerator, BigInteger bigNumerator, long denominator) {
    static Threshold of(BigDecimal t) {
      BigDecimal exact = t.stripTrailingZeros();
      if (exact.scale() < 0) {
        exact = exact.setScale(0);
      }
      if (exact.scale() > 9) {
        throw new IllegalArgumentException("alert threshold " + t + " has more than 9 decimals");
      }
      BigInteger num = exact.unscaledValue();
      return new Threshold(exact.toPlainString(), num.longValueExact(), num, BigInteger.TEN.pow(exact.scale()).longValueExact());
    }

    /** committed / limit >= numerator / denominator, exactly. */
    boolean reachedBy(long committed, long limit) {
      try {
        return Math.multiplyExact(committed, denominator) >= Math.multiplyExact(numerator, limit);
      } catch (ArithmeticException overflow) {
        return BigInteger.valueOf(committed).multiply(BigInteger.valueOf(denominator))
            .compareTo(bigNumerator.multiply(BigInteger.valueOf(limit))) >= 0;
      }
    }
  }

  /** Alerts at fixed thresholds (tests; one caps file for the monitor's life). */
  public AlertMonitor(AlertsConfig config, Supplier<LedgerStore> ledger, AlertSink sink) {
    this(() -> config, ledger, sink);
  }

  /**
   * @param config the alerts section of the caps file in force: a reload's new thresholds apply to
   *     the next decision
   * @param ledger the store of the engine in force (alert claims live there)
   */
  public AlertMonitor(Supplier<AlertsConfig> config, Supplier<LedgerStore> ledger, AlertSink sink) {
    this.config = config;
    thresholds();
    this.ledger = ledger;
    this.sink = sink;
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
      Thread t = new Thread(r, "llmcap-alerts");
      t.setDaemon(true);
      return t;
    });
  }

  private Threshold[] thresholds() {
    AlertsConfig current = config.get();
    Parsed p = parsed;
    if (p == null || p.source() != current) {
      p = new Parsed(current, current.thresholds().stream().map(Threshold::of).toArray(Threshold[]::new));
      parsed = p;
    }
    return p.thresholds();
  }

  @Override
  public void decided(Decision d) {
    Threshold[] thresholds = thresholds();
    for (CapStatus s : d.caps()) {
      long committed = saturatingAdd(s.spentNanos(), s.reservedNanos());
      for (Threshold t : thresholds) {
        if (t.reachedBy(committed, s.cap().limitNanos())) {
          offer(new Alert(Alert.THRESHOLD, d.at(), t.name(), s, d.callId()));
        }
      }
    }
    for (CapStatus s : d.shadowWouldDeny()) {
      if (s.cap().action() == CapAction.SHADOW) {
        offer(new Alert(Alert.SHADOW_WOULD_DENY, d.at(), null, s, d.callId()));
      }
    }
  }

  private void offer(Alert alert) {
    String key = alert.status().cap().key() + "#" + alert.claim();
    Instant now = alert.at();
    Instant forgetAt = now.plus(LOCAL_MEMORY);
    Instant windowEnd = alert.status().cap().windowEnd();
    Instant until = windowEnd.isBefore(forgetAt) ? windowEnd : forgetAt;
    Instant known = recentlyClaimed.get(key);
    if (known != null && known.isAfter(now)) {
      return;
    }
    if (known == null ? recentlyClaimed.putIfAbsent(key, until) != null : !recentlyClaimed.replace(key, known, until)) {
      return;
    }
    if (recentlyClaimed.size() > MAX_REMEMBERED) {
      recentlyClaimed.values().removeIf(i -> !i.isAfter(now));
    }
    try {
      worker.execute(() -> claimAndSend(alert, key));
    } catch (RejectedExecutionException e) {
      recentlyClaimed.remove(key);
      log.warn("alert queue full or closed; alert for cap '{}' deferred to a later call", alert.status().cap().capName());
    }
  }

  private void claimAndSend(Alert alert, String key) {
    boolean won;
    try {
      won = ledger.get().claimAlert(alert.status().cap(), alert.claim(), alert.at());
    } catch (LedgerException | RuntimeException e) {
      recentlyClaimed.remove(key);
      log.warn("cannot claim an alert for cap '{}' in the spend store ({}); a later call retries",
          alert.status().cap().capName(), e.getMessage());
      return;
    }
    if (!won) {
      return;
    }
    log.warn("ALERT {}", alert.text());
    try {
      sink.send(alert);
    } catch (RuntimeException e) {
      log.error("alert sink failed: {}", e.toString());
    }
  }

  /** Lets queued claims finish (briefly), then stops. */
  @Override
  public void close() {
    worker.shutdown();
    try {
      worker.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    worker.shutdownNow();
    sink.close();
  }

  /** Waits until every queued claim has run (for tests and orderly shutdown). */
  void awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while ((worker.getActiveCount() > 0 || !worker.getQueue().isEmpty()) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  public List<String> thresholdNames() {
    return java.util.Arrays.stream(thresholds()).map(Threshold::name).toList();
  }
}
