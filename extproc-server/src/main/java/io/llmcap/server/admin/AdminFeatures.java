package io.llmcap.server.admin;

import io.llmcap.server.metrics.LlmcapMetrics;

/**
 * What the admin port offers beyond health and {@code /v1/caps}.
 *
 * @param metrics served on {@code /metrics}, or null for none
 * @param token guards the write endpoints ({@link AdminToken#none()}: writes disabled)
 * @param denials served on {@code /v1/denials} and shown on the status page, or null for none
 */
public record AdminFeatures(LlmcapMetrics metrics, AdminToken token, RecentDenials denials) {
  public AdminFeatures {
    if (token == null) {
      token = AdminToken.none();
    }
  }

  /** Read-only health and caps, nothing else. */
  public static AdminFeatures none() {
    return new AdminFeatures(null, AdminToken.none(), null);
  }
}
