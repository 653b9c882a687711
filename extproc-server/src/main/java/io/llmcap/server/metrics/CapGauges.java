package io.llmcap.server.metrics;

import io.llmcap.server.Engine;
import io.llmcap.server.cap.CapDefinition;
import io.llmcap.server.cap.Per;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Spend against every cap, read from the store once per scrape.
 *
 * <p>Label cardinality is bounded by the caps file, never by traffic: every cap of the current
 * policy gets one series per metric ({@code cap} label), whatever its {@code per}. Per-subject
 * series ({@code cap}, {@code subject}) exist only for caps with a {@code per}, and only for the
 * {@code topSubjects} subjects with the most spent plus reserved in the current window, so at most
 * {@code caps × (5 + 3 × topSubjects)} cap series exist. Values are US dollars as the exposition
 * format's float64; the exact nano-dollar figures are in {@code /v1/caps}.
 */
final class CapGauges implements MultiCollector {
  private static final double NANOS_PER_USD = 1e9;

  private final Supplier<Engine> engine;
  private final int topSubjects;

  CapGauges(Supplier<Engine> engine, int topSubjects) {
    if (topSubjects < 0) {
      throw new IllegalArgumentException("topSubjects must not be negative, got " + topSubjects);
    }
    this.engine = engine;
    this.topSubjects = topSubjects;
  }

  @Override
  public MetricSnapshots collect() {
    Engine current = engine.get();
    Instant now = current.clock().instant();
    List<CapStatus> touched;
    try {
      touched = current.ledger().snapshot(now);
    } catch (LedgerException e) {
      // Counted by the store's error metric; a scrape without cap series is the honest answer.
      return MetricSnapshots.builder().build();
    }
    Map<String, List<CapStatus>> byCap = new HashMap<>();
    for (CapStatus s : touched) {
      byCap.computeIfAbsent(s.cap().capName(), k -> new ArrayList<>()).add(s);
    }
    InfoSnapshot.Builder info = InfoSnapshot.builder().name("llmcap_cap")
        .help("Caps in force, with their window, action and per.");
    Gauge limit = new Gauge("llmcap_cap_limit_usd", "Current limit of each cap (run-time override included).");
    Gauge spent = new Gauge("llmcap_cap_spent_usd", "Spent in the current window, summed over the cap's subjects.");
    Gauge reserved = new Gauge("llmcap_cap_reserved_usd", "Held by calls in flight, summed over the cap's subjects.");
    Gauge remaining = new Gauge("llmcap_cap_remaining_usd",
        "Room left in the current window; for a cap with a per, the room of its tightest subject.");
    Gauge subjects = new Gauge("llmcap_cap_subjects", "Subjects of the cap touched in the current window.");
    Gauge subjectSpent = new Gauge("llmcap_cap_subject_spent_usd", "Spent by one subject (top subjects only).");
    Gauge subjectReserved = new Gauge("llmcap_cap_subject_reserved_usd", "Reserved by one subject (top subjects only).");
    Gauge subjectRemaining = new Gauge("llmcap_cap_subject_remaining_usd",
        "Room left for one subject (top subjects only).");

    for (CapDefinition cap : current.policy().caps()) {
      long limitNanos = current.policy().limitOf(cap);
      List<CapStatus> instances = byCap.getOrDefault(cap.name(), List.of());
      Labels capLabel = Labels.of("cap", cap.name());
      info.dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(Labels.of(
          "action", cap.action().name().toLowerCase(Locale.ROOT), "cap", cap.name(),
          "per", cap.per().equals(Per.NONE) ? "none" : cap.per().toString(), "window", cap.window().id())).build());
      limit.add(capLabel, limitNanos / NANOS_PER_USD);
      long spentSum = 0;
      long reservedSum = 0;
      long tightest = limitNanos;
      for (CapStatus s : instances) {
        spentSum = saturatingAdd(spentSum, s.spentNanos());
        reservedSum = saturatingAdd(reservedSum, s.reservedNanos());
        tightest = Math.min(tightest, room(limitNanos, s));
      }
      spent.add(capLabel, spentSum / NANOS_PER_USD);
      reserved.add(capLabel, reservedSum / NANOS_PER_USD);
      remaining.add(capLabel, tightest / NANOS_PER_USD);
      subjects.add(capLabel, instances.size());
      if (!cap.per().equals(Per.NONE) && topSubjects > 0) {
        instances.stream()
            .sorted(Comparator.comparingLong((CapStatus s) -> -saturatingAdd(s.spentNanos(), s.reservedNanos()))
                .thenComparing(s -> s.cap().subject()))
            .limit(topSubjects)
            .forEach(s -> {
              Labels l = Labels.of("cap", cap.name(), "subject", s.cap().subject());
              subjectSpent.add(l, s.spentNanos() / NANOS_PER_USD);
              subjectReserved.add(l, s.reservedNanos() / NANOS_PER_USD);
              subjectRemaining.add(l, room(limitNanos, s) / NANOS_PER_USD);
            });
      }
    }
    return MetricSnapshots.of(info.build(), limit.build(), spent.build(), reserved.build(), remaining.build(),
        subjects.build(), subjectSpent.build(), subjectReserved.build(), subjectRemaining.build());
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of("llmcap_cap", "llmcap_cap_limit_usd", "llmcap_cap_spent_usd", "llmcap_cap_reserved_usd",
        "llmcap_cap_remaining_usd", "llmcap_cap_subjects", "llmcap_cap_subject_spent_usd",
        "llmcap_cap_subject_reserved_usd", "llmcap_cap_subject_remaining_usd");
  }

  private static long room(long limitNanos, CapStatus s) {
    return Math.max(0, limitNanos - saturatingAdd(s.spentNanos(), s.reservedNanos()));
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static final class Gauge {
    private final GaugeSnapshot.Builder builder;

    Gauge(String name, String help) {
      this.builder = GaugeSnapshot.builder().name(name).help(help);
    }

    void add(Labels labels, double value) {
      builder.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
    }

    GaugeSnapshot build() {
      return builder.build();
    }
  }
}
