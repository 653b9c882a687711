package io.llmcap.bench;

import io.grpc.Server;
import io.llmcap.server.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The server side of a benchmark, in its own JVM so that its CPU and memory are measured apart from the load
 * generator's. {@code server llmcap <caps.yaml>} runs the real {@code llmcap serve} (metrics and admin port on, as
 * deployed); {@code server baseline} runs {@link BaselineServer}. It prints {@code READY <port>} and then answers
 * one-line commands on stdin: {@code CPU} (process CPU nanoseconds), {@code STATS} (CPU, heap after a full GC, RSS),
 * {@code USED} (heap in use without a GC, RSS), {@code QUIT}.
 */
public final class ServerProcess {
  private ServerProcess() {}

  public static void main(String[] args) throws Exception {
    int port = freePort();
    Server baseline = null;
    if (args.length >= 1 && args[0].equals("baseline")) {
      baseline = BaselineServer.start(port);
    } else if (args.length >= 2 && args[0].equals("llmcap")) {
      String[] serve = {"serve", "--config", args[1], "--grpc-port", Integer.toString(port), "--admin-port", "0",
          "--admin-address", "127.0.0.1", "--grace", "1s"};
      Thread t = new Thread(() -> Main.commandLine().execute(serve), "llmcap-serve");
      t.setDaemon(true);
      t.start();
      awaitListening(port, t);
    } else {
      System.err.println("usage: server baseline | server llmcap <caps.yaml>");
      System.exit(2);
    }
    System.out.println("READY " + port);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      switch (line.trim()) {
        case "CPU" -> System.out.println("CPU " + ProcessStats.cpuNanos());
        case "STATS" -> System.out.println("STATS " + ProcessStats.cpuNanos() + " " + ProcessStats.heapAfterGcBytes()
            + " " + ProcessStats.rssBytes());
        case "USED" -> System.out.println("USED " + ProcessStats.heapUsedBytes() + " " + ProcessStats.rssBytes());
        case "QUIT" -> {
          if (baseline != null) {
            baseline.shutdownNow();
          }
          System.out.println("BYE");
          System.out.flush();
          System.exit(0);
        }
        default -> System.out.println("ERR unknown command '" + line + "'");
      }
      System.out.flush();
    }
    System.exit(0);
  }

  private static void awaitListening(int port, Thread serve) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!serve.isAlive()) {
        throw new IllegalStateException("llmcap serve exited before listening (see its log)");
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("llmcap serve not listening on port " + port + " within 60s");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
