package io.llmcap.bench;

import io.llmcap.server.testing.RedisServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code java -jar llmcap-bench.jar [suite|soak|server|jmh] [options]}: see BENCHMARKS.md.
 *
 * <ul>
 *   <li>{@code suite} (default): every case against the CONTINUE-only baseline, LLMCap on the memory store and LLMCap
 *       on Redis; prints and writes a Markdown report.
 *   <li>{@code soak}: LLMCap at a fixed rate for {@code --duration} (default 10m), heap after GC sampled every 30 s.
 *   <li>{@code server}: the server-side JVM the other modes start (not for direct use).
 *   <li>{@code jmh}: the JMH microbenchmarks (arguments go to JMH).
 * </ul>
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "suite";
    String[] rest = args.length > 0 && !args[0].startsWith("--") ? java.util.Arrays.copyOfRange(args, 1, args.length)
        : args;
    switch (mode) {
      case "server" -> ServerProcess.main(rest);
      case "jmh" -> org.openjdk.jmh.Main.main(rest);
      case "suite", "soak" -> {
        Options options = Options.parse(rest);
        int code = mode.equals("suite") ? new Suite(options).run() : new Soak(options).run();
        System.exit(code);
      }
      default -> {
        System.err.println("usage: java -jar llmcap-bench.jar [suite|soak|jmh] [--measure 15s] [--warmup 5s] "
            + "[--duration 10m] [--rate 2000] [--store memory|redis] [--jit-warmup 40s] [--only text] [--servers baseline,memory,redis] [--server-cpus 0] [--load-cpus 1] "
            + "[--out dir] [--no-wait]");
        System.exit(2);
      }
    }
  }

  /** Command-line options shared by the suite and the soak. */
  record Options(Duration warmup, Duration measure, Duration duration, double soakRate, String store, String only,
      List<String> servers, String serverCpus, String loadCpus, Path out, boolean waitForIdle, int connections,
      List<String> serverJvm, Duration jitWarmup, String redisCpus) {
    static Options parse(String[] args) {
      Map<String, String> m = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (!a.startsWith("--")) {
          throw new IllegalArgumentException("unexpected argument '" + a + "'");
        }
        if (a.equals("--no-wait")) {
          m.put("no-wait", "true");
        } else if (i + 1 < args.length) {
          m.put(a.substring(2), args[++i]);
        } else {
          throw new IllegalArgumentException(a + " needs a value");
        }
      }
      String cpus = m.getOrDefault("server-cpus", "0");
      return new Options(
          duration(m.getOrDefault("warmup", "5s")),
          duration(m.getOrDefault("measure", "15s")),
          duration(m.getOrDefault("duration", "10m")),
          Double.parseDouble(m.getOrDefault("rate", "2000")),
          m.getOrDefault("store", "memory"),
          m.getOrDefault("only", ""),
          List.of(m.getOrDefault("servers", "baseline,memory,redis").split(",")),
          cpus.equals("none") ? null : cpus,
          m.getOrDefault("load-cpus", "1").equals("none") ? null : m.getOrDefault("load-cpus", "1"),
          Path.of(m.getOrDefault("out", "bench/target/bench-results")),
          !m.containsKey("no-wait"),
          Integer.parseInt(m.getOrDefault("connections", "2")),
          List.of(m.getOrDefault("server-jvm", "-Xms256m -Xmx256m -XX:+UseG1GC -XX:MaxTenuringThreshold=1").split(" ")),
          duration(m.getOrDefault("jit-warmup", "40s")),
          m.getOrDefault("redis-cpus", cpus).equals("none") ? null : m.getOrDefault("redis-cpus", cpus));
    }

    static Duration duration(String text) {
      String t = text.trim().toLowerCase(Locale.ROOT);
      long n = Long.parseLong(t.replaceAll("[a-z]+$", ""));
      return switch (t.replaceAll("^[0-9]+", "")) {
        case "ms" -> Duration.ofMillis(n);
        case "s", "" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> throw new IllegalArgumentException("duration '" + text + "': use e.g. 500ms, 15s, 10m");
      };
    }
  }

  /** The machine, as BENCHMARKS.md records it. */
  static String machine() {
    StringBuilder b = new StringBuilder();
    b.append("- CPUs: ").append(Runtime.getRuntime().availableProcessors()).append(" available to the orchestrator; ")
        .append(Host.nproc()).append(" online; model: ").append(Host.cpuModel()).append('\n');
    b.append("- Memory: ").append(Host.memTotal()).append('\n');
    b.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append('\n');
    b.append("- Load average when the run started: ").append(Host.loadAverage()).append('\n');
    return b.toString();
  }

  /** Waits (up to 10 minutes) for the 1-minute load average to drop below 1.0, and says what it measured under. */
  static void waitForIdle(boolean enabled) throws InterruptedException {
    if (!enabled) {
      return;
    }
    long deadline = System.currentTimeMillis() + 600_000;
    while (Host.load1() > 1.0 && System.currentTimeMillis() < deadline) {
      System.err.printf("load average %s: waiting for the machine to be idle (1-min load <= 1.0)%n", Host.loadAverage());
      Thread.sleep(30_000);
    }
    System.err.println("measuring under load average " + Host.loadAverage());
  }

  static RedisServerProcess startRedis(String cpus) {
    RedisServerProcess redis = RedisServerProcess.start();
    if (cpus != null) {
      String info = redis.command("INFO", "server");
      for (String line : info.split("\r?\n")) {
        if (line.startsWith("process_id:")) {
          Host.pin(Long.parseLong(line.substring(11).trim()), cpus);
        }
      }
    }
    return redis;
  }

  static Path capsFile(Path dir, String store, RedisServerProcess redis) throws IOException {
    Files.createDirectories(dir);
    String storeBlock = store.equals("redis")
        ? "store:\n  type: redis\n  uri: " + redis.uri() + "\n  holdTtl: 10m\n"
        : "store:\n  type: memory\n  path: " + dir.resolve("ledger-" + System.nanoTime()) + "\n  holdTtl: 10m\n";
    // Two caps per call, as a typical file has (an org-wide one and one per caller), far from their limits.
    String yaml = storeBlock + """
        caps:
          - name: org-daily
            limitUsd: 5000000
            window: day
          - name: per-service-daily
            limitUsd: 1000000
            window: day
            per: service
        """;
    Path file = dir.resolve("caps-" + store + ".yaml");
    Files.writeString(file, yaml);
    return file;
  }

  static List<String> serverArgs(String server, Path caps) {
    List<String> args = new ArrayList<>();
    if (server.equals("baseline")) {
      args.add("baseline");
    } else {
      args.add("llmcap");
      args.add(caps.toString());
    }
    return args;
  }
}
