package io.llmcap.bench;

/**
 * One measured case: a workload against one server, at a fixed arrival rate (open model) or with a fixed number of
 * calls in flight (closed model, {@code rate <= 0}).
 *
 * @param gcWhileRunning force a full GC half-way through the measurement and report the heap then: for cases whose
 *     point is the memory that open calls hold (the GC pause then shows in that case's latency, which is not its point)
 */
record BenchCase(String name, Workload workload, double rate, int concurrency, boolean gcWhileRunning) {
  static BenchCase open(String name, Workload workload, double rate) {
    return new BenchCase(name, workload, rate, 0, false);
  }

  static BenchCase closed(String name, Workload workload, int concurrency, boolean gcWhileRunning) {
    return new BenchCase(name, workload, 0, concurrency, gcWhileRunning);
  }

  boolean openModel() {
    return rate > 0;
  }

  String load() {
    return openModel() ? String.format("%,.0f/s", rate) : concurrency + " in flight";
  }
}
