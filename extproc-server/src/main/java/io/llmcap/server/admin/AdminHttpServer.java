package io.llmcap.server.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llmcap.server.Engine;
import io.llmcap.server.ledger.LedgerException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP port: {@code /healthz} (the process is alive), {@code /readyz} (serving and the
 * store answers), {@code /v1/caps} (cap status). Read-only: nothing here changes state.
 */
public final class AdminHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);

  private final HttpServer server;
  private final ExecutorService executor;

  private AdminHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * @param serving true while the gRPC server accepts calls (false once draining)
   */
  public static AdminHttpServer start(InetSocketAddress address, Supplier<Engine> engine, BooleanSupplier serving)
      throws IOException {
    return start(address, engine, serving, () -> "");
  }

  /**
   * @param readinessDetail appended to a ready {@code /readyz} answer (e.g. a refused caps reload, which keeps the
   *     last good caps in force and so does not make the server unready); empty for none
   */
  public static AdminHttpServer start(InetSocketAddress address, Supplier<Engine> engine, BooleanSupplier serving,
      Supplier<String> readinessDetail) throws IOException {
    HttpServer server = HttpServer.create(address, 64);
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "llmcap-admin");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/healthz", ex -> respond(ex, 200, "text/plain", "ok\n"));
    server.createContext("/readyz", ex -> {
      if (!serving.getAsBoolean()) {
        respond(ex, 503, "text/plain", "draining\n");
        return;
      }
      Engine current = engine.get();
      try {
        current.ledger().snapshot(current.clock().instant());
        String detail = readinessDetail.get();
        respond(ex, 200, "text/plain", detail.isEmpty() ? "ready\n" : "ready\n" + detail + "\n");
      } catch (LedgerException e) {
        respond(ex, 503, "text/plain", "spend store unavailable: " + e.getMessage() + "\n");
      }
    });
    server.createContext("/v1/caps", ex -> {
      if (!"GET".equals(ex.getRequestMethod())) {
        respond(ex, 405, "text/plain", "use GET\n");
        return;
      }
      Engine current = engine.get();
      try {
        byte[] body = CapsJson.render(current.ledger().snapshot(current.clock().instant()));
        respond(ex, 200, "application/json", body);
      } catch (LedgerException e) {
        respond(ex, 503, "application/json",
            "{\"error\":\"spend store unavailable\"}".getBytes(StandardCharsets.UTF_8));
      }
    });
    server.createContext("/", ex -> respond(ex, 404, "text/plain", "not found: try /v1/caps, /healthz or /readyz\n"));
    server.start();
    log.info("admin HTTP listening on {}", server.getAddress());
    return new AdminHttpServer(server, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
    respond(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    try (ex) {
      ex.getResponseHeaders().set("content-type", contentType);
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
