package io.llmcap.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a JVM costs: its CPU time, its heap (live, after a full GC, or just in use) and its resident set. */
final class ProcessStats {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private ProcessStats() {}

  /** CPU time of the whole process (all threads, GC and JIT included), in nanoseconds. */
  static long cpuNanos() {
    return OS.getProcessCpuTime();
  }

  /** Heap still live after a full collection: what the process really keeps. */
  static long heapAfterGcBytes() {
    System.gc();
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  /** Heap in use now, garbage included (no collection forced). */
  static long heapUsedBytes() {
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  /** VmRSS from /proc/self/status, in bytes; -1 where there is no /proc. */
  static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
