package io.llmcap.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@link ServerProcess} child JVM, started (optionally pinned with taskset) and queried by the orchestrator. */
final class ServerHandle implements AutoCloseable {
  /** A sample of the server's cost. Heap after GC is -1 when no collection was forced. */
  record Sample(long cpuNanos, long heapAfterGcBytes, long heapUsedBytes, long rssBytes) {}

  private final Process process;
  private final BufferedReader out;
  private final PrintWriter in;
  private final int port;

  private ServerHandle(Process process) throws IOException {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    String ready = out.readLine();
    // The JVM itself may print first (JFR, -Xlog): skip to the handshake.
    while (ready != null && !ready.startsWith("READY ") && ready.startsWith("[")) {
      ready = out.readLine();
    }
    if (ready == null || !ready.startsWith("READY ")) {
      process.destroyForcibly();
      throw new IllegalStateException("server JVM did not start (first line: " + ready + "); see its log");
    }
    this.port = Integer.parseInt(ready.substring(6).trim());
  }

  /**
   * @param cpus taskset CPU list (e.g. "0"), or null to leave it unpinned
   * @param jvmOptions heap and GC options of the server JVM
   * @param log where the server's stderr goes
   */
  static ServerHandle start(String cpus, List<String> jvmOptions, List<String> serverArgs, Path log)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    if (cpus != null) {
      cmd.addAll(List.of("taskset", "-c", cpus));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ServerProcess.class.getName()));
    cmd.addAll(serverArgs);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    return new ServerHandle(p);
  }

  int port() {
    return port;
  }

  long pid() {
    return process.pid();
  }

  long cpuNanos() {
    String[] r = ask("CPU");
    return Long.parseLong(r[1]);
  }

  /** CPU, heap after a forced full GC, RSS. */
  Sample stats() {
    String[] r = ask("STATS");
    return new Sample(Long.parseLong(r[1]), Long.parseLong(r[2]), -1, Long.parseLong(r[3]));
  }

  /** Heap in use (no GC forced) and RSS. */
  Sample used() {
    String[] r = ask("USED");
    return new Sample(-1, -1, Long.parseLong(r[1]), Long.parseLong(r[2]));
  }

  private synchronized String[] ask(String command) {
    in.println(command);
    try {
      String line = out.readLine();
      while (line != null && line.startsWith("[")) {
        line = out.readLine();
      }
      if (line == null || !line.startsWith(command.equals("STATS") ? "STATS" : command)) {
        throw new IllegalStateException("server JVM answered '" + line + "' to " + command);
      }
      return line.split(" ");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      in.println("QUIT");
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
