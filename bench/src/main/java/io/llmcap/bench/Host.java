package io.llmcap.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Facts about the machine from /proc, and CPU pinning with taskset. */
final class Host {
  private Host() {}

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  static double load1() {
    try {
      return Double.parseDouble(loadAverage().split(" ")[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static String cpuModel() {
    return procLine("/proc/cpuinfo", "model name");
  }

  static String memTotal() {
    String kb = procLine("/proc/meminfo", "MemTotal").replaceAll("[^0-9]", "");
    return kb.isEmpty() ? "unknown" : String.format("%.1f GiB", Long.parseLong(kb) / 1048576.0);
  }

  static String nproc() {
    try {
      return Long.toString(Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("processor")).count());
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String procLine(String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of(file))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return "unknown";
    }
    return "unknown";
  }

  static boolean tasksetAvailable() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, "taskset"))) {
        return true;
      }
    }
    return false;
  }

  /** Pins every thread of process {@code pid} to {@code cpus}; threads created later inherit it. */
  static void pin(long pid, String cpus) {
    if (cpus == null || !tasksetAvailable()) {
      return;
    }
    try {
      Process p = new ProcessBuilder(List.of("taskset", "-a", "-p", "-c", cpus, Long.toString(pid)))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor() != 0) {
        System.err.println("taskset could not pin process " + pid + " to CPUs " + cpus + "; running unpinned");
      }
    } catch (IOException e) {
      System.err.println("taskset failed (" + e.getMessage() + "); running unpinned");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
