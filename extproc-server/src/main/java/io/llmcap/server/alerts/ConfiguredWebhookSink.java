package io.llmcap.server.alerts;

import io.llmcap.server.config.AlertsConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The webhook of the caps file in force: a reload that sets, changes or removes {@code
 * alerts.webhook} takes effect for the next alert. Without a webhook, alerts are only logged (by
 * the monitor).
 */
public final class ConfiguredWebhookSink implements AlertSink {
  private final Supplier<AlertsConfig> config;
  private final int attempts;
  private final Duration firstBackoff;
  private URI currentUri;
  private WebhookSink current;

  public ConfiguredWebhookSink(Supplier<AlertsConfig> config, int attempts, Duration firstBackoff) {
    this.config = config;
    this.attempts = attempts;
    this.firstBackoff = firstBackoff;
  }

  @Override
  public synchronized void send(Alert alert) {
    URI uri = config.get().webhook();
    if (!Objects.equals(uri, currentUri)) {
      if (current != null) {
        current.close();
      }
      current = uri == null ? null : new WebhookSink(uri, attempts, firstBackoff);
      currentUri = uri;
    }
    if (current != null) {
      current.send(alert);
    }
  }

  @Override
  public synchronized void close() {
    if (current != null) {
      current.close();
    }
  }
}
