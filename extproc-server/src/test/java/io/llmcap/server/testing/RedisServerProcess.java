package io.llmcap.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code redis-server} the test starts on a free loopback port, with its own data directory,
 * and stops again; it never touches a server it did not start. The binary is {@code
 * $LLMCAP_REDIS_SERVER} when set, else {@code redis-server} from the PATH; tests that need Redis
 * skip (JUnit assumption) when neither exists.
 *
 * <p>{@link #command} speaks just enough RESP to drive the server from tests without a client
 * library (PING, SCRIPT FLUSH, CLUSTER ..., SHUTDOWN).
 */
public final class RedisServerProcess implements AutoCloseable {
  private static final long START_TIMEOUT_MS = 10_000;
  private static final String BUNDLED_LINUX_AMD64 = "/redis-server-6.2.6-v5-linux-amd64";
  private static String bundled;

  private final String binary;
  private final Path dir;
  private final int port;
  private final List<String> extraArgs;
  private final boolean tlsOnly;
  private final Path configFile;
  private Process process;

  private RedisServerProcess(String binary, Path dir, int port, List<String> extraArgs,
      boolean tlsOnly, Path configFile) {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
    this.extraArgs = List.copyOf(extraArgs);
    this.tlsOnly = tlsOnly;
    this.configFile = configFile;
  }

  /** The redis-server binary to use, or null when this machine has none. */
  public static String binary() {
    String env = System.getenv("LLMCAP_REDIS_SERVER");
    if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
      return env;
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(java.io.File.pathSeparator)) {
        Path candidate = Path.of(d, "redis-server");
        if (Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    return bundledBinary();
  }

  /** The redis-server shipped in a test dependency, extracted to a temp file; null off Linux x86-64. */
  public static synchronized String bundledBinary() {
    if (bundled != null) {
      return bundled;
    }
    String arch = System.getProperty("os.arch");
    boolean linuxAmd64 = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT)
        .contains("linux") && ("amd64".equals(arch) || "x86_64".equals(arch));
    if (!linuxAmd64) {
      return null;
    }
    try (InputStream in = RedisServerProcess.class.getResourceAsStream(BUNDLED_LINUX_AMD64)) {
      if (in == null) {
        return null;
      }
      Path file = Files.createTempFile("llmcap-redis-server-", "");
      Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      file.toFile().setExecutable(true);
      file.toFile().deleteOnExit();
      bundled = file.toString();
      return bundled;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the bundled redis-server", e);
    }
  }

  public static boolean available() {
    return binary() != null;
  }

  /** Starts a plain server (no persistence) with these extra {@code redis-server} options. */
  public static RedisServerProcess start(String... extraArgs) {
    return start(List.of(extraArgs), false);
  }

  /**
   * Starts a server with extra options; {@code tlsOnly} when the options open a TLS port instead
   * of the plain one ({@code --tls-port}), so readiness is read from the log.
   */
  public static RedisServerProcess start(List<String> extraArgs, boolean tlsOnly) {
    return start(extraArgs, tlsOnly, null);
  }

  /**
   * Starts a Sentinel that monitors {@code primary} under {@code primaryName} (quorum 1), on a
   * free port; Lettuce reaches it as {@code redis-sentinel://127.0.0.1:<port>#<primaryName>}.
   */
  public static RedisServerProcess startSentinel(RedisServerProcess primary, String primaryName) {
    return start(List.of("--sentinel"), false, "sentinel monitor " + primaryName
        + " 127.0.0.1 " + primary.port() + " 1\n");
  }

  private static RedisServerProcess start(List<String> extraArgs, boolean tlsOnly,
      String config) {
    String bin = binary();
    if (bin == null) {
      throw new IllegalStateException("no redis-server: install it (apt-get install redis-server)"
          + " or set LLMCAP_REDIS_SERVER to its path");
    }
    try {
      Path dir = Files.createTempDirectory("llmcap-redis-");
      Path configFile = null;
      if (config != null) {
        configFile = dir.resolve("redis.conf");
        Files.writeString(configFile, config);
      }
      RedisServerProcess server =
          new RedisServerProcess(bin, dir, freePort(), extraArgs, tlsOnly, configFile);
      server.launch();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public Path dir() {
    return dir;
  }

  /** {@code redis://127.0.0.1:<port>} */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Starts the server again on the same port and directory (after {@link #kill} or {@link #stop}). */
  public void restart() {
    if (isAlive()) {
      throw new IllegalStateException("redis-server on port " + port + " is still running");
    }
    launch();
  }

  /** Kills the server at once (SIGKILL): nothing is saved, as in a crash. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitForExit();
    }
  }

  /** Stops the server without saving ({@code SHUTDOWN NOSAVE}). */
  public void stop() {
    if (!isAlive()) {
      return;
    }
    if (!tlsOnly) {
      try {
        command("SHUTDOWN", "NOSAVE");
      } catch (UncheckedIOException expected) {
        // The server closes the connection as it exits.
      }
    }
    process.destroy();
    waitForExit();
  }

  @Override
  public void close() {
    stop();
    if (process != null && process.isAlive()) {
      kill();
    }
    deleteDir();
  }

  /**
   * Sends one command and returns its reply as text: simple strings and integers as they are,
   * bulk strings as their content (null for a nil), arrays as their elements joined by newlines,
   * errors as {@code ERR ...} prefixed by {@code -}.
   */
  public String command(String... args) {
    return command(port, args);
  }

  /** {@link #command} against any plain port on loopback. */
  public static String command(int port, String... args) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5_000);
      OutputStream out = s.getOutputStream();
      StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
        b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
      }
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      return readReply(s.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException("redis command " + args[0] + " on port " + port + " failed", e);
    }
  }

  private void launch() {
    List<String> cmd = new ArrayList<>(List.of(binary));
    if (configFile != null) {
      cmd.add(configFile.toString());
    }
    cmd.addAll(List.of(
        "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--appendonly", "no",
        "--protected-mode", "no", "--logfile", dir.resolve("redis.log").toString()));
    if (tlsOnly) {
      cmd.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port)));
    } else {
      cmd.addAll(List.of("--port", Integer.toString(port)));
    }
    cmd.addAll(extraArgs);
    try {
      process = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.out").toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
    awaitReady();
  }

  private void awaitReady() {
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited at start: " + log());
      }
      if (tlsOnly ? log().contains("Ready to accept connections") : answersPing()) {
        return;
      }
      sleep(20);
    }
    process.destroyForcibly();
    throw new IllegalStateException("redis-server on port " + port + " not ready within "
        + START_TIMEOUT_MS + " ms: " + log());
  }

  private boolean answersPing() {
    try {
      return "PONG".equals(command("PING"));
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** The server's log so far (for failure messages). */
  public String log() {
    try {
      Path log = dir.resolve("redis.log");
      Path out = dir.resolve("redis.out");
      return (Files.exists(log) ? Files.readString(log) : "")
          + (Files.exists(out) ? Files.readString(out) : "");
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private void waitForExit() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void deleteDir() {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temp directory left behind is harmless.
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String readReply(InputStream in) throws IOException {
    String line = readLine(in);
    char type = line.charAt(0);
    String rest = line.substring(1);
    switch (type) {
      case '+', ':' -> {
        return rest;
      }
      case '-' -> {
        return "-" + rest;
      }
      case '$' -> {
        int len = Integer.parseInt(rest);
        if (len < 0) {
          return null;
        }
        byte[] data = in.readNBytes(len + 2);
        return new String(data, 0, len, StandardCharsets.UTF_8);
      }
      case '*' -> {
        int n = Integer.parseInt(rest);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          items.add(readReply(in));
        }
        return String.join("\n", items.stream().map(String::valueOf).toList());
      }
      default -> throw new IOException("unexpected RESP reply: " + line);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int prev = -1;
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed");
      }
      if (prev == '\r' && c == '\n') {
        byte[] bytes = b.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
      }
      b.write(c);
      prev = c;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for redis-server", e);
    }
  }
}
