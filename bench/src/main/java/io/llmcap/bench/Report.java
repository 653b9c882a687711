package io.llmcap.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The suite's results as Markdown: one row per server and case, then LLMCap over the baseline. */
final class Report {
  private Report() {}

  static String line(CaseResult r) {
    return String.format(Locale.ROOT, "%-30s %-14s %8.0f calls/s  decision p50 %s p99 %s p99.9 %s  cpu %.0f µs/call"
            + "  heap %s rss %s  failed %d%s", r.benchCase().name(), r.benchCase().load(), r.throughput(),
        CaseResult.micros(r.decision(), 50), CaseResult.micros(r.decision(), 99), CaseResult.micros(r.decision(), 99.9),
        r.cpuMicrosPerCall(), CaseResult.mb(r.heapAfterGcBytes()), CaseResult.mb(r.rssBytes()), r.failed(),
        r.firstFailure() == null ? "" : " (" + r.firstFailure() + ")");
  }

  static String markdown(String machine, String loadBefore, String loadAfter, BenchMain.Options o,
      List<CaseResult> results) {
    StringBuilder b = new StringBuilder();
    b.append("## Load benchmark results\n\n").append(machine)
        .append("- Load average before / after: ").append(loadBefore).append(" / ").append(loadAfter).append('\n')
        .append("- Server JVM: `").append(String.join(" ", o.serverJvm())).append("`, CPUs ")
        .append(o.serverCpus() == null ? "unpinned" : o.serverCpus()).append("; load generator CPUs ")
        .append(o.loadCpus() == null ? "unpinned" : o.loadCpus()).append("; Redis CPUs ")
        .append(o.redisCpus() == null ? "unpinned" : o.redisCpus()).append("; ").append(o.connections())
        .append(" HTTP/2 connections\n")
        .append("- Each case: ").append(Suite.describe(o.warmup())).append(" warm-up, ")
        .append(Suite.describe(o.measure())).append(" measured\n\n");
    b.append("Decision = request headers + request body round trips, from the scheduled start (open model) or the "
        + "actual start (closed model). Whole call adds response headers and body. CPU = server process CPU time / "
        + "calls completed in the window. Heap = live heap after a forced full GC (mid-run for the 1,000-open case).\n\n");
    b.append("| Server | Case | Load | Calls/s | Decision p50 | p99 | p99.9 | Whole call p50 | p99 | Start lag p99 | "
        + "Server CPU/call | Server cores | Heap after GC | RSS | Failed |\n");
    b.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (CaseResult r : results) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %,.0f | %s | %s | %s | %s | %s | %s | %.0f µs | %.2f | %s | %s | %d |%n",
          r.server(), r.benchCase().name(), r.benchCase().load(), r.throughput(),
          CaseResult.micros(r.decision(), 50), CaseResult.micros(r.decision(), 99),
          CaseResult.micros(r.decision(), 99.9), CaseResult.micros(r.wholeCall(), 50),
          CaseResult.micros(r.wholeCall(), 99),
          r.benchCase().openModel() ? CaseResult.micros(r.startLag(), 99) : "–", r.cpuMicrosPerCall(),
          r.serverCores(), CaseResult.mb(r.heapAfterGcBytes()), CaseResult.mb(r.rssBytes()), r.failed()));
    }
    b.append("\n### LLMCap relative to the CONTINUE-only baseline\n\n");
    b.append("| Server | Case | Decision p50 × | Decision p99 × | CPU/call × | Saturation throughput × |\n");
    b.append("|---|---|---:|---:|---:|---:|\n");
    for (CaseResult r : results) {
      if (r.server().equals("baseline")) {
        continue;
      }
      Optional<CaseResult> base = results.stream()
          .filter(x -> x.server().equals("baseline") && x.benchCase().name().equals(r.benchCase().name()))
          .findFirst();
      if (base.isEmpty()) {
        continue;
      }
      CaseResult bl = base.get();
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", r.server(), r.benchCase().name(),
          ratio(r.decision().getValueAtPercentile(50), bl.decision().getValueAtPercentile(50)),
          ratio(r.decision().getValueAtPercentile(99), bl.decision().getValueAtPercentile(99)),
          ratio(r.cpuMicrosPerCall(), bl.cpuMicrosPerCall()),
          r.benchCase().openModel() ? "–" : ratio(r.throughput(), bl.throughput())));
    }
    List<String> failures = results.stream().filter(r -> r.failed() > 0)
        .map(r -> r.server() + " / " + r.benchCase().name() + ": " + r.failed() + " failed, e.g. " + r.firstFailure())
        .toList();
    if (!failures.isEmpty()) {
      b.append("\n**Failed calls:**\n\n");
      failures.forEach(f -> b.append("- ").append(f).append('\n'));
    }
    return b.toString();
  }

  private static String ratio(double value, double base) {
    return base <= 0 || Double.isNaN(value) || Double.isNaN(base) ? "–" : String.format(Locale.ROOT, "%.2f", value / base);
  }
}
