package io.llmcap.bench;

import io.llmcap.server.testing.RedisServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/** Every case against every server, one server JVM at a time, and the report. */
final class Suite {
  static final int CHUNKS = 200;
  private final BenchMain.Options options;

  Suite(BenchMain.Options options) {
    this.options = options;
  }

  static List<BenchCase> cases() {
    Workload chat2k = Workload.chat("chat 2 KB", 2 * 1024);
    Workload prompt100k = Workload.chat("prompt 100 KB", 100 * 1024);
    Workload prompt1m = Workload.chat("prompt 1 MB", 1024 * 1024);
    Workload stream = Workload.streamed("stream 200 chunks", 2 * 1024, CHUNKS);
    return List.of(
        BenchCase.open("chat 2 KB", chat2k, 2000),
        BenchCase.closed("chat 2 KB, saturation", chat2k, 64, false),
        BenchCase.open("prompt 100 KB", prompt100k, 200),
        BenchCase.open("prompt 1 MB", prompt1m, 20),
        BenchCase.open("stream 200 chunks", stream, 100),
        BenchCase.closed("stream 200 chunks, 1,000 open", stream, 1000, true));
  }

  private List<BenchCase> selected() {
    return cases().stream().filter(c -> options.only().isEmpty() || c.name().contains(options.only())).toList();
  }

  int run() throws Exception {
    Path out = options.out();
    Files.createDirectories(out);
    Host.pin(ProcessHandle.current().pid(), options.loadCpus());
    BenchMain.waitForIdle(options.waitForIdle());
    String loadBefore = Host.loadAverage();
    String machine = BenchMain.machine();
    List<CaseResult> results = new ArrayList<>();
    RedisServerProcess redis = null;
    try {
      for (String server : options.servers()) {
        if (server.equals("redis") && redis == null) {
          redis = BenchMain.startRedis(options.redisCpus());
        }
        Path caps = server.equals("baseline") ? null : BenchMain.capsFile(out, server, redis);
        System.err.printf("== %s server%n", server);
        try (ServerHandle handle = ServerHandle.start(options.serverCpus(), options.serverJvm(),
            BenchMain.serverArgs(server, caps), out.resolve("server-" + server + ".log"));
             LoadGenerator load = new LoadGenerator(handle.port(), options.connections())) {
          warmUp(load);
          for (BenchCase c : selected()) {
            CaseResult r = runCase(server, handle, load, c);
            results.add(r);
            System.err.println("   " + Report.line(r));
          }
        }
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
    String report = Report.markdown(machine, loadBefore, Host.loadAverage(), options, results);
    Files.writeString(out.resolve("results.md"), report);
    System.out.println(report);
    return results.stream().anyMatch(r -> r.failed() > 0) ? 1 : 0;
  }

  /**
   * Lets the server JVM compile its hot paths before anything is measured: each workload in turn, a few calls in
   * flight. A case's own warm-up is too short for C2 on one core; without this, compiler threads show up as CPU per
   * call and as latency.
   */
  private void warmUp(LoadGenerator load) throws InterruptedException {
    if (options.jitWarmup().isZero()) {
      return;
    }
    List<Workload> workloads = selected().stream().map(BenchCase::workload).distinct().toList();
    Duration each = options.jitWarmup().dividedBy(workloads.size());
    System.err.printf("   JIT warm-up: %s per workload%n", describe(each));
    for (Workload w : workloads) {
      LoadGenerator.Run run = load.closed(w, 8, Duration.ZERO, each, () -> {}, () -> {});
      if (run.failed.get() > 0) {
        throw new IllegalStateException("warm-up calls failed (" + run.failures.keySet() + "); see the server log");
      }
    }
  }

  private CaseResult runCase(String server, ServerHandle handle, LoadGenerator load, BenchCase c) throws Exception {
    AtomicLong cpuStart = new AtomicLong();
    AtomicLong cpuEnd = new AtomicLong();
    AtomicLong tStart = new AtomicLong();
    AtomicLong tEnd = new AtomicLong();
    Runnable atStart = () -> {
      cpuStart.set(handle.cpuNanos());
      tStart.set(System.nanoTime());
    };
    Runnable atEnd = () -> {
      tEnd.set(System.nanoTime());
      cpuEnd.set(handle.cpuNanos());
    };
    AtomicReference<ServerHandle.Sample> midRun = new AtomicReference<>();
    Thread sampler = null;
    if (c.gcWhileRunning()) {
      sampler = new Thread(() -> {
        try {
          Thread.sleep(options.warmup().toMillis() + options.measure().toMillis() / 2);
          midRun.set(handle.stats());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "mid-run-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }
    LoadGenerator.Run run = c.openModel()
        ? load.open(c.workload(), c.rate(), options.warmup(), options.measure(), atStart, atEnd)
        : load.closed(c.workload(), c.concurrency(), options.warmup(), options.measure(), atStart, atEnd);
    if (sampler != null) {
      sampler.join();
    }
    ServerHandle.Sample after = handle.stats();
    ServerHandle.Sample memory = midRun.get() != null ? midRun.get() : after;
    double seconds = (tEnd.get() - tStart.get()) / 1e9;
    Histogram decision = run.decision.getIntervalHistogram();
    Histogram whole = run.wholeCall.getIntervalHistogram();
    Histogram lag = run.startLag.getIntervalHistogram();
    String firstFailure = run.failures.keySet().stream().findFirst().orElse(null);
    return new CaseResult(server, c, seconds, run.completedInWindow, run.failed.get(), decision, whole, lag,
        cpuEnd.get() - cpuStart.get(), memory.heapAfterGcBytes(), Math.max(memory.rssBytes(), after.rssBytes()),
        firstFailure);
  }

  static String describe(Duration d) {
    return d.toSeconds() >= 60 ? String.format(Locale.ROOT, "%d min", d.toMinutes()) : d.toSeconds() + " s";
  }
}
