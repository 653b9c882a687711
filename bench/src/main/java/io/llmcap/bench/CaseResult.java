package io.llmcap.bench;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/** What one case measured, client side (latencies, throughput) and server side (CPU, memory). */
record CaseResult(
    String server,
    BenchCase benchCase,
    double seconds,
    long completed,
    long failed,
    Histogram decision,
    Histogram wholeCall,
    Histogram startLag,
    long serverCpuNanos,
    long heapAfterGcBytes,
    long rssBytes,
    String firstFailure) {

  double throughput() {
    return completed / seconds;
  }

  double cpuMicrosPerCall() {
    return completed == 0 ? Double.NaN : serverCpuNanos / 1e3 / completed;
  }

  /** Share of one core the server used. */
  double serverCores() {
    return serverCpuNanos / (seconds * 1e9);
  }

  static String micros(Histogram h, double percentile) {
    if (h.getTotalCount() == 0) {
      return "–";
    }
    return formatMicros(h.getValueAtPercentile(percentile) / 1e3);
  }

  static String formatMicros(double us) {
    if (us >= 10_000) {
      return String.format(Locale.ROOT, "%,.0f ms", us / 1e3);
    }
    if (us >= 1_000) {
      return String.format(Locale.ROOT, "%.2f ms", us / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f µs", us);
  }

  static String mb(long bytes) {
    return bytes < 0 ? "–" : String.format(Locale.ROOT, "%.0f MB", bytes / 1048576.0);
  }
}
