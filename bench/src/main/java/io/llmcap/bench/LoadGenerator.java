package io.llmcap.bench;

import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * Drives an ext_proc server over real gRPC (Netty, loopback, plaintext HTTP/2) with Envoy-shaped calls, over a few
 * connections as Envoy's worker threads would hold them.
 *
 * <p>Open model ({@link #open}): calls start on a wall-clock schedule whatever the server does, and latency counts
 * from the scheduled start, so a server that falls behind shows its queueing in the percentiles (no coordinated
 * omission). Closed model ({@link #closed}): N calls always in flight, each replaced as it ends; measures throughput.
 */
final class LoadGenerator implements AutoCloseable {
  /** The generator wakes this early from a sleep, then spins, so calls start on time rather than a timer slack late. */
  private static final long SPIN_NANOS = 120_000;
  /**
   * Open model: calls not started because this many were already open. Envoy would have failed them on its
   * ext_proc message timeout; without a ceiling an overloaded server accumulates streams until it runs out of heap.
   */
  static final int MAX_OPEN_CALLS = 20_000;
  private static final Metadata.Key<String> PROVIDER =
      Metadata.Key.of("x-llmcap-provider", Metadata.ASCII_STRING_MARSHALLER);

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<ExternalProcessorGrpc.ExternalProcessorStub> stubs = new ArrayList<>();

  LoadGenerator(int port, int connections) {
    Metadata md = new Metadata();
    md.put(PROVIDER, Workload.PROVIDER_HINT);
    for (int i = 0; i < connections; i++) {
      // directExecutor: replies are handled on the Netty event loop; the handler only queues the next message.
      ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
          .directExecutor()
          .maxInboundMessageSize(64 << 20)
          .build();
      channels.add(channel);
      stubs.add(ExternalProcessorGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)));
    }
  }

  /** What a run measured; latencies in nanoseconds. */
  static final class Run implements EnvoyLikeCall.Outcome {
    final Recorder decision = new Recorder(3);
    final Recorder wholeCall = new Recorder(3);
    /** How late the generator itself started calls (open model): part of every latency, shown apart. */
    final Recorder startLag = new Recorder(3);
    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong inFlight = new AtomicLong();
    /** Calls completed between the end of warm-up and the end of the measurement (not while draining). */
    volatile long completedInWindow;
    final ConcurrentHashMap<String, Long> failures = new ConcurrentHashMap<>();
    volatile Runnable onEnd = () -> {};

    @Override
    public void decided(EnvoyLikeCall call, long nanoTime) {
      decision.recordValue(Math.max(0, nanoTime - call.startNanos));
    }

    @Override
    public void ended(EnvoyLikeCall call, long nanoTime, boolean ok, String failure) {
      inFlight.decrementAndGet();
      if (ok) {
        completed.incrementAndGet();
        wholeCall.recordValue(Math.max(0, nanoTime - call.startNanos));
      } else {
        failed.incrementAndGet();
        failures.merge(failure.length() > 160 ? failure.substring(0, 160) : failure, 1L, Long::sum);
      }
      onEnd.run();
    }

    /** Forgets everything recorded so far (end of warm-up). */
    void reset() {
      decision.reset();
      wholeCall.reset();
      startLag.reset();
      completed.set(0);
      failed.set(0);
    }
  }

  private final AtomicLong callNumber = new AtomicLong();

  private void start(Workload workload, long startNanos, Run run) {
    long n = callNumber.getAndIncrement();
    run.inFlight.incrementAndGet();
    EnvoyLikeCall call = new EnvoyLikeCall(workload, n, startNanos, run);
    stubs.get((int) (n % stubs.size())).process(call);
    call.begin();
  }

  /**
   * Starts {@code ratePerSecond} calls a second for {@code warmup + measure}; the returned run holds only what the
   * measured part recorded. {@code atMeasureStart} runs when warm-up ends (to snapshot server CPU).
   */
  Run open(Workload workload, double ratePerSecond, Duration warmup, Duration measure, Runnable atMeasureStart,
      Runnable atMeasureEnd) throws InterruptedException {
    Run run = new Run();
    long interval = (long) (1e9 / ratePerSecond);
    long begin = System.nanoTime();
    long measureFrom = begin + warmup.toNanos();
    long until = measureFrom + measure.toNanos();
    boolean measuring = false;
    for (long i = 0; ; i++) {
      long at = begin + i * interval;
      if (at >= until) {
        break;
      }
      if (!measuring && at >= measureFrom) {
        run.reset();
        atMeasureStart.run();
        measuring = true;
      }
      waitUntil(at);
      run.startLag.recordValue(Math.max(0, System.nanoTime() - at));
      if (run.inFlight.get() >= MAX_OPEN_CALLS) {
        run.failed.incrementAndGet();
        run.failures.merge("not started: " + MAX_OPEN_CALLS + " calls already open (server overloaded)", 1L,
            Long::sum);
        continue;
      }
      start(workload, at, run);
    }
    run.completedInWindow = run.completed.get();
    atMeasureEnd.run();
    drain(run, Duration.ofSeconds(30));
    return run;
  }

  /** Keeps {@code concurrency} calls in flight for {@code warmup + measure}. */
  Run closed(Workload workload, int concurrency, Duration warmup, Duration measure, Runnable atMeasureStart,
      Runnable atMeasureEnd) throws InterruptedException {
    Run run = new Run();
    long stopAt = System.nanoTime() + warmup.toNanos() + measure.toNanos();
    run.onEnd = () -> {
      long now = System.nanoTime();
      if (now < stopAt) {
        start(workload, now, run);
      }
    };
    for (int i = 0; i < concurrency; i++) {
      start(workload, System.nanoTime(), run);
    }
    Thread.sleep(warmup.toMillis());
    run.reset();
    atMeasureStart.run();
    Thread.sleep(measure.toMillis());
    run.completedInWindow = run.completed.get();
    atMeasureEnd.run();
    drain(run, Duration.ofSeconds(60));
    return run;
  }

  private static void drain(Run run, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (run.inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (run.inFlight.get() > 0) {
      throw new IllegalStateException(run.inFlight.get() + " calls still open " + timeout.toSeconds()
          + "s after the run; the server stopped answering");
    }
  }

  private static void waitUntil(long at) {
    long remaining;
    while ((remaining = at - System.nanoTime()) > SPIN_NANOS) {
      LockSupport.parkNanos(remaining - SPIN_NANOS);
    }
    while (at - System.nanoTime() > 0) {
      Thread.onSpinWait();
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

}
