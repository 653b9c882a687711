package io.llmcap.server.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The connection options shared by the commands that talk to a running server's admin port. */
final class AdminClient {
  @Option(names = "--admin-url", defaultValue = "http://127.0.0.1:9090", paramLabel = "URL",
      description = "The server's admin HTTP address (default: ${DEFAULT-VALUE}).")
  String adminUrl;

  @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "How long to wait for the server (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  /** An HTTP answer. */
  record Answer(int status, String body) {}

  /** The server could not be reached at all. */
  static final class Unreachable extends Exception {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  Answer get(String path) throws Unreachable {
    return send(HttpRequest.newBuilder(uri(path)).GET(), null);
  }

  Answer post(String path, String body, String token) throws Unreachable {
    return send(HttpRequest.newBuilder(uri(path)).POST(body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).header("content-type", "application/json"),
        token);
  }

  Answer delete(String path, String token) throws Unreachable {
    return send(HttpRequest.newBuilder(uri(path)).DELETE(), token);
  }

  private URI uri(String path) throws Unreachable {
    try {
      String base = adminUrl.endsWith("/") ? adminUrl.substring(0, adminUrl.length() - 1) : adminUrl;
      return URI.create(base + path);
    } catch (IllegalArgumentException e) {
      throw new Unreachable("'" + adminUrl + "' is not a URL (e.g. http://127.0.0.1:9090)", e);
    }
  }

  private Answer send(HttpRequest.Builder request, String token) throws Unreachable {
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
    try {
      HttpResponse<String> r = http.send(request.timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new Unreachable("cannot reach the LLMCap admin port at " + adminUrl + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is `llmcap serve` running, and is --admin-url right?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted while waiting for " + adminUrl, e);
    } catch (IllegalArgumentException e) {
      throw new Unreachable("'" + adminUrl + "' is not an http:// or https:// URL", e);
    }
  }

  /** The admin token from {@code file}, else from the environment; null when neither has one. */
  static String token(Path file) throws IOException {
    if (file != null) {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    String env = System.getenv(io.llmcap.server.admin.AdminToken.ENV);
    return env == null || env.isBlank() ? null : env.strip();
  }

  /** The error message of a JSON error answer, or the body as is. */
  static String errorOf(Answer a) {
    try {
      com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(a.body());
      if (n != null && n.path("error").isTextual()) {
        return n.path("error").asText();
      }
    } catch (IOException e) {
      // not JSON: show it raw
    }
    return a.body().strip();
  }

  /** The exit code for a failed answer. */
  static int exitFor(Answer a) {
    return a.status() == 401 || a.status() == 403 ? ExitCodes.UNAUTHORIZED : ExitCodes.FAILED;
  }
}
