package io.llmcap.server.metrics;

import io.llmcap.server.Engine;
import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.ledger.LedgerStore;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * LLMCap's Prometheus metrics, in a registry of their own (never the JVM-wide default, so two
 * servers in one JVM, as in tests, do not collide).
 *
 * <ul>
 *   <li>{@code llmcap_decisions_total{outcome,provider}}: every decision;
 *   <li>{@code llmcap_decision_seconds{outcome}}: time to decide;
 *   <li>{@code llmcap_settled_usd_total{provider}}, {@code llmcap_settlements_total{provider}}:
 *       what calls were charged;
 *   <li>{@code llmcap_shadow_would_deny_total{cap}}: calls a shadow cap would have denied;
 *   <li>{@code llmcap_extproc_phase_seconds{phase}}: time spent per ext_proc message;
 *   <li>{@code llmcap_store_operation_seconds{op}}, {@code llmcap_store_errors_total{op}}: the
 *       spend store, through {@link #timed(LedgerStore)};
 *   <li>{@code llmcap_config_reloads_total{result}}: see {@link #configReloads()};
 *   <li>the cap gauges of {@link CapGauges}.
 * </ul>
 *
 * Label values come from closed sets (outcomes, providers, phases, operations) or from cap names in
 * the caps file, so no label grows with traffic, except the bounded per-subject cap series.
 */
public final class LlmcapMetrics {
  /** Latency buckets from 10 µs (a memory-store decision) to 2.5 s (a struggling store). */
  private static final double[] LATENCY_BUCKETS = {
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
      0.5, 1, 2.5};
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter decisions;
  private final Histogram decisionSeconds;
  private final Counter settledUsd;
  private final Counter settlements;
  private final Counter shadowWouldDeny;
  private final Histogram phaseSeconds;
  private final Histogram storeSeconds;
  private final Counter storeErrors;
  private final Counter reloads;
  private final CallListener listener;

  /**
   * @param engine the engine in force (cap gauges read its policy and store at every scrape)
   * @param topSubjects how many subjects of each {@code per} cap get series of their own
   */
  private final java.util.Map<String, java.util.function.LongSupplier> auditSinks =
      new java.util.concurrent.ConcurrentHashMap<>();

  public LlmcapMetrics(Supplier<Engine> engine, int topSubjects) {
    decisions = Counter.builder().name("llmcap_decisions").help("Decisions on LLM calls, by outcome.")
        .labelNames("outcome", "provider").register(registry);
    decisionSeconds = Histogram.builder().name("llmcap_decision_seconds").unit(Unit.SECONDS)
        .help("Time to decide a call (the phase that decided it).").labelNames("outcome")
        .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
    settledUsd = Counter.builder().name("llmcap_settled_usd").help("Charged to caps when calls ended.")
        .labelNames("provider").register(registry);
    settlements = Counter.builder().name("llmcap_settlements").help("Calls that ended holding a reservation.")
        .labelNames("provider").register(registry);
    shadowWouldDeny = Counter.builder().name("llmcap_shadow_would_deny")
        .help("Calls a shadow cap would have denied.").labelNames("cap").register(registry);
    phaseSeconds = Histogram.builder().name("llmcap_extproc_phase_seconds").unit(Unit.SECONDS)
        .help("Time spent on one ext_proc message, by phase.").labelNames("phase")
        .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
    storeSeconds = Histogram.builder().name("llmcap_store_operation_seconds").unit(Unit.SECONDS)
        .help("Spend store operation latency.").labelNames("op")
        .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
    storeErrors = Counter.builder().name("llmcap_store_errors").help("Spend store operations that failed.")
        .labelNames("op").register(registry);
    reloads = Counter.builder().name("llmcap_config_reloads").help("Caps file reloads, applied or refused.")
        .labelNames("result").register(registry);
    reloads.labelValues("applied");
    reloads.labelValues("refused");
    registry.register(new CapGauges(engine, topSubjects));
    io.prometheus.metrics.core.metrics.CounterWithCallback.builder()
        .name("llmcap_audit_dropped_total")
        .help("Audit records lost to a full queue or a failed write, by sink.")
        .labelNames("sink")
        .callback(cb -> auditSinks.forEach((sink, dropped) -> cb.call(dropped.getAsLong(), sink)))
        .register(registry);
    listener = new MetricsListener();
  }

  /** Feeds the decision metrics; add it to the server's listeners. */
  public CallListener callListener() {
    return listener;
  }

  /** The store, timed; use the result in the engine so every decision's store work is measured. */
  public LedgerStore timed(LedgerStore store) {
    return store instanceof TimedLedgerStore ? store : new TimedLedgerStore(store, storeSeconds, storeErrors);
  }

  /** For the config reload code: counts each reload applied or refused. */
  public ConfigReloads configReloads() {
    return new ConfigReloads() {
      @Override
      public void applied() {
        reloads.labelValues("applied").inc();
      }

      @Override
      public void refused() {
        reloads.labelValues("refused").inc();
      }
    };
  }

  /**
   * Exposes how many audit records a sink lost (full queue or failed write) as {@code
   * llmcap_audit_dropped_total{sink=...}}: a trail with gaps must be visible.
   */
  public void auditDrops(String sink, java.util.function.LongSupplier dropped) {
    auditSinks.put(sink, dropped);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  public String contentType() {
    return CONTENT_TYPE;
  }

  /** Writes every metric in the Prometheus text format. */
  public void writeTo(OutputStream out) throws IOException {
    writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
  }

  private final class MetricsListener implements CallListener {
    @Override
    public void decided(Decision d) {
      String outcome = d.outcome().name().toLowerCase(Locale.ROOT);
      decisions.labelValues(outcome, orNone(d.provider())).inc();
      decisionSeconds.labelValues(outcome).observe(Unit.nanosToSeconds(d.decisionNanos()));
      for (var wouldDeny : d.shadowWouldDeny()) {
        shadowWouldDeny.labelValues(wouldDeny.cap().capName()).inc();
      }
    }

    @Override
    public void settled(Settlement s) {
      String provider = orNone(s.decision().provider());
      settlements.labelValues(provider).inc();
      settledUsd.labelValues(provider).inc(s.settledNanos() / 1e9);
    }

    @Override
    public void phaseTimed(String phase, long nanos) {
      phaseSeconds.labelValues(phase).observe(Unit.nanosToSeconds(nanos));
    }

    private static String orNone(String provider) {
      return provider == null ? "none" : provider;
    }
  }
}
