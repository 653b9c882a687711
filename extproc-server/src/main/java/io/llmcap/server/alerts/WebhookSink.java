package io.llmcap.server.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.pricing.NanoUsd;
import io.llmcap.server.cap.CapInstance;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts alerts as JSON to a webhook: {@code {"text": "...", "alert": {...}}} ({@code text} makes
 * Slack- and Mattermost-style incoming webhooks show it as is). A failed post (connection error,
 * timeout, 408, 429 or 5xx) is retried with doubling backoff up to {@code attempts} times on a
 * timer thread of its own; other 4xx answers are final. Each outcome is logged.
 */
public final class WebhookSink implements AlertSink {
  private static final Logger log = LoggerFactory.getLogger(WebhookSink.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI uri;
  private final int attempts;
  private final Duration firstBackoff;
  private final HttpClient http;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "llmcap-alert-webhook");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param attempts posts per alert, at least 1
   * @param firstBackoff wait before the second attempt; doubles after each failure
   */
  public WebhookSink(URI uri, int attempts, Duration firstBackoff) {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
    }
    this.uri = uri;
    this.attempts = attempts;
    this.firstBackoff = firstBackoff;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Override
  public void send(Alert alert) {
    byte[] body = body(alert);
    timer.execute(() -> attempt(alert, body, 1, firstBackoff));
  }

  private void attempt(Alert alert, byte[] body, int attempt, Duration backoff) {
    String failure;
    boolean retryable;
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
          .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.discarding());
      int status = r.statusCode();
      if (status >= 200 && status < 300) {
        log.info("alert delivered to the webhook ({}): {}", uri.getHost(), alert.text());
        return;
      }
      failure = "HTTP " + status;
      retryable = status == 408 || status == 429 || status >= 500;
    } catch (IOException e) {
      failure = e.toString();
      retryable = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (!retryable || attempt >= attempts) {
      log.error("alert NOT delivered to the webhook {} after {} attempt(s) ({}): {}", uri.getHost(), attempt, failure,
          alert.text());
      return;
    }
    log.warn("alert webhook {} failed ({}), attempt {} of {}; retrying in {} ms", uri.getHost(), failure, attempt,
        attempts, backoff.toMillis());
    if (!timer.isShutdown()) {
      timer.schedule(() -> attempt(alert, body, attempt + 1, backoff.multipliedBy(2)), backoff.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  static byte[] body(Alert alert) {
    CapInstance cap = alert.status().cap();
    ObjectNode root = JSON.createObjectNode();
    root.put("text", alert.text());
    ObjectNode a = root.putObject("alert");
    a.put("kind", alert.kind());
    a.put("at", alert.at().toString());
    a.put("cap", cap.capName());
    a.put("subject", cap.subject());
    a.put("action", alert.actionName());
    a.put("threshold", alert.threshold());
    a.put("window", cap.window());
    a.put("windowStart", cap.windowStart().toString());
    a.put("resetsAt", cap.windowEnd().equals(Instant.MAX) ? null : cap.windowEnd().toString());
    a.put("limitUsd", NanoUsd.format(cap.limitNanos()));
    a.put("spentUsd", NanoUsd.format(alert.status().spentNanos()));
    a.put("reservedUsd", NanoUsd.format(alert.status().reservedNanos()));
    a.put("callId", alert.callId());
    try {
      return JSON.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings always serialises", e);
    }
  }

  /** Stops retrying; posts in progress get a moment to finish. */
  @Override
  public void close() {
    timer.shutdown();
    try {
      timer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
  }
}
