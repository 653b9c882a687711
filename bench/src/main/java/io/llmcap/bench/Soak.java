package io.llmcap.bench;

import io.llmcap.server.testing.RedisServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * LLMCap at a steady rate for a long time: the heap after a full GC, sampled every 30 s, must not grow. (The forced
 * collections pause the server, so the soak's latencies are reported but are not the latency benchmark.)
 */
final class Soak {
  static final Duration SAMPLE_EVERY = Duration.ofSeconds(30);
  private final BenchMain.Options options;

  Soak(BenchMain.Options options) {
    this.options = options;
  }

  int run() throws Exception {
    Path out = options.out();
    Files.createDirectories(out);
    Host.pin(ProcessHandle.current().pid(), options.loadCpus());
    BenchMain.waitForIdle(options.waitForIdle());
    String loadBefore = Host.loadAverage();
    String machine = BenchMain.machine();
    RedisServerProcess redis = options.store().equals("redis") ? BenchMain.startRedis(options.redisCpus()) : null;
    List<ServerHandle.Sample> samples = new ArrayList<>();
    List<Long> sampleSeconds = new ArrayList<>();
    LoadGenerator.Run run;
    try {
      Path caps = BenchMain.capsFile(out, options.store(), redis);
      try (ServerHandle handle = ServerHandle.start(options.serverCpus(), options.serverJvm(),
          BenchMain.serverArgs(options.store(), caps), out.resolve("soak-server.log"));
           LoadGenerator load = new LoadGenerator(handle.port(), options.connections())) {
        Workload chat = Workload.chat("chat 2 KB", 2 * 1024);
        if (!options.jitWarmup().isZero()) {
          // As the suite does: a cold server on one core falls behind the first minute's calls while C2 compiles.
          System.err.printf("   JIT warm-up: %s, 8 calls in flight%n", Suite.describe(options.jitWarmup()));
          load.closed(chat, 8, Duration.ZERO, options.jitWarmup(), () -> {}, () -> {});
        }
        long begin = System.nanoTime();
        Thread sampler = new Thread(() -> {
          try {
            while (!Thread.currentThread().isInterrupted()) {
              Thread.sleep(SAMPLE_EVERY.toMillis());
              ServerHandle.Sample s = handle.stats();
              long at = (System.nanoTime() - begin) / 1_000_000_000L;
              synchronized (samples) {
                samples.add(s);
                sampleSeconds.add(at);
              }
              System.err.printf("  t=%4ds heap after GC %s, RSS %s%n", at, CaseResult.mb(s.heapAfterGcBytes()),
                  CaseResult.mb(s.rssBytes()));
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "soak-sampler");
        sampler.setDaemon(true);
        sampler.start();
        run = load.open(chat, options.soakRate(), Duration.ZERO, options.duration(), () -> {}, () -> {});
        sampler.interrupt();
        sampler.join();
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
    String report = report(machine, loadBefore, run, samples, sampleSeconds);
    Files.writeString(out.resolve("soak.md"), report);
    System.out.println(report);
    return run.failed.get() > 0 ? 1 : 0;
  }

  private String report(String machine, String loadBefore, LoadGenerator.Run run, List<ServerHandle.Sample> samples,
      List<Long> at) {
    StringBuilder b = new StringBuilder("## Soak\n\n").append(machine)
        .append("- Load average before / after: ").append(loadBefore).append(" / ").append(Host.loadAverage())
        .append('\n')
        .append(String.format(Locale.ROOT, "- LLMCap on the %s store, chat 2 KB at %,.0f calls/s for %s: %,d calls, "
            + "%d failed%n", options.store(), options.soakRate(), Suite.describe(options.duration()),
            run.completed.get(), run.failed.get()));
    if (!run.failures.isEmpty()) {
      b.append("- Failures by reason: ").append(run.failures).append('\n');
    }
    b.append("- JIT warm-up before the soak: ").append(Suite.describe(options.jitWarmup())).append('\n');
    Histogram d = run.decision.getIntervalHistogram();
    b.append("- Decision latency over the whole soak (forced GCs included): p50 ").append(CaseResult.micros(d, 50))
        .append(", p99 ").append(CaseResult.micros(d, 99)).append(", p99.9 ").append(CaseResult.micros(d, 99.9))
        .append("\n\n");
    if (samples.isEmpty()) {
      b.append("No heap sample: the soak was shorter than ").append(SAMPLE_EVERY.toSeconds()).append(" s.\n");
      return b.toString();
    }
    long max = samples.stream().mapToLong(ServerHandle.Sample::heapAfterGcBytes).max().orElse(0);
    ServerHandle.Sample first = samples.get(0);
    ServerHandle.Sample last = samples.get(samples.size() - 1);
    b.append(String.format(Locale.ROOT, "Heap after GC: first %s (t=%ds), last %s (t=%ds), max %s; RSS first %s, "
            + "last %s.%n%n", CaseResult.mb(first.heapAfterGcBytes()), at.get(0), CaseResult.mb(last.heapAfterGcBytes()),
        at.get(at.size() - 1), CaseResult.mb(max), CaseResult.mb(first.rssBytes()), CaseResult.mb(last.rssBytes())));
    b.append("| t (s) | Heap after GC | RSS |\n|---:|---:|---:|\n");
    for (int i = 0; i < samples.size(); i++) {
      b.append("| ").append(at.get(i)).append(" | ").append(CaseResult.mb(samples.get(i).heapAfterGcBytes()))
          .append(" | ").append(CaseResult.mb(samples.get(i).rssBytes())).append(" |\n");
    }
    return b.toString();
  }
}
