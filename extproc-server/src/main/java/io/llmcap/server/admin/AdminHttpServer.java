package io.llmcap.server.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llmcap.server.Engine;
import io.llmcap.server.ledger.LedgerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
 * store answers), {@code /v1/caps} (cap status, and the token-guarded writes of {@link
 * CapWrites}), {@code /v1/denials} (recent denials), {@code /metrics} (Prometheus) and the status
 * page at {@code /}.
 */
public final class AdminHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);
  static final String JSON = "application/json";

  private final HttpServer server;
  private final ExecutorService executor;

  private AdminHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Health and {@code /v1/caps} only: no metrics, no writes, no denials. */
  public static AdminHttpServer start(InetSocketAddress address, Supplier<Engine> engine, BooleanSupplier serving)
      throws IOException {
    return start(address, engine, serving, AdminFeatures.none());
  }

  public static AdminHttpServer start(InetSocketAddress address, Supplier<Engine> engine, BooleanSupplier serving,
      AdminFeatures features) throws IOException {
    return start(address, engine, serving, features, () -> "");
  }

  public static AdminHttpServer start(InetSocketAddress address, Supplier<Engine> engine, BooleanSupplier serving,
      Supplier<String> readinessDetail) throws IOException {
    return start(address, engine, serving, AdminFeatures.none(), readinessDetail);
  }

  /**
   * @param serving true while the gRPC server accepts calls (false once draining)
   * @param features metrics, admin token and recent denials (each optional)
   * @param readinessDetail appended to a ready {@code /readyz} answer (e.g. a refused caps reload, which keeps the
   *     last good caps in force and so does not make the server unready); empty for none
   */
  public static AdminHttpServer start(InetSocketAddress address, Supplier<Engine> engine, BooleanSupplier serving,
      AdminFeatures features, Supplier<String> readinessDetail) throws IOException {
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
        current.ledger().ping(current.clock().instant());
        String detail = readinessDetail.get();
        respond(ex, 200, "text/plain", detail.isEmpty() ? "ready\n" : "ready\n" + detail + "\n");
      } catch (LedgerException e) {
        respond(ex, 503, "text/plain", "spend store unavailable: " + e.getMessage() + "\n");
      }
    });
    CapWrites writes = new CapWrites(engine, features.token());
    server.createContext("/v1/caps", ex -> {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/v1/caps") || path.equals("/v1/caps/")) {
        if (!"GET".equals(ex.getRequestMethod())) {
          respond(ex, 405, "text/plain", "use GET\n");
          return;
        }
        Engine current = engine.get();
        try {
          byte[] body = CapsJson.render(current.ledger().snapshot(current.clock().instant()), current.policy());
          respond(ex, 200, JSON, body);
        } catch (LedgerException e) {
          respond(ex, 503, JSON, "{\"error\":\"spend store unavailable\"}".getBytes(StandardCharsets.UTF_8));
        }
        return;
      }
      CapWrites.Answer answer = writes.handle(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(),
          ex.getRequestHeaders().getFirst("authorization"), readBody(ex));
      if (answer.status() == 401) {
        ex.getResponseHeaders().set("www-authenticate", "Bearer realm=\"llmcap-admin\"");
      }
      respond(ex, answer.status(), JSON, answer.body());
    });
    server.createContext("/v1/denials", ex -> {
      if (features.denials() == null) {
        respond(ex, 404, "text/plain", "recent denials are not kept by this server\n");
        return;
      }
      respond(ex, 200, JSON, features.denials().json());
    });
    server.createContext("/metrics", ex -> {
      if (features.metrics() == null) {
        respond(ex, 404, "text/plain", "metrics are off in this server\n");
        return;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
      features.metrics().writeTo(out);
      respond(ex, 200, features.metrics().contentType(), out.toByteArray());
    });
    byte[] page = StatusPage.html();
    server.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/") || path.equals("/index.html")) {
        respond(ex, 200, "text/html; charset=utf-8", page);
      } else {
        respond(ex, 404, "text/plain",
            "not found: try /, /v1/caps, /v1/denials, /metrics, /healthz or /readyz\n");
      }
    });
    server.start();
    log.info("admin HTTP listening on {} (writes {})", server.getAddress(),
        features.token().enabled() ? "enabled, token from " + features.token().source() : "disabled: no admin token");
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

  /** Admin request bodies are a few bytes; anything past this limit is refused by {@link CapWrites}. */
  static final int MAX_BODY_BYTES = 4096;

  private static byte[] readBody(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      return in.readNBytes(MAX_BODY_BYTES + 1);
    }
  }

  private static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
    respond(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    try (ex) {
      ex.getResponseHeaders().set("content-type", contentType);
      ex.getResponseHeaders().set("cache-control", "no-store");
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
