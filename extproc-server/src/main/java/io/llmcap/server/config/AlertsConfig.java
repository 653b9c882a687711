package io.llmcap.server.config;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;

/**
 * Spend alerts ({@code alerts:}).
 *
 * @param thresholds fractions of a cap's limit (e.g. 0.8) at which an alert fires, ascending
 * @param webhook where alerts are posted, or null for none (alerts are still logged)
 */
public record AlertsConfig(List<BigDecimal> thresholds, URI webhook) {

  public AlertsConfig {
    thresholds = List.copyOf(thresholds);
  }

  /** Without an {@code alerts:} section: 50%, 80% and 100%, logged only. */
  public static AlertsConfig defaults() {
    return new AlertsConfig(
        List.of(new BigDecimal("0.5"), new BigDecimal("0.8"), new BigDecimal("1.0")), null);
  }
}
