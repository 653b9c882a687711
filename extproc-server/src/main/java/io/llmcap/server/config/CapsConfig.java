package io.llmcap.server.config;

import io.llmcap.server.cap.CapDefinition;
import java.util.List;

/** A parsed, validated caps file. An empty {@code caps} list caps nothing. */
public record CapsConfig(
    StoreConfig store,
    EnforcementConfig enforcement,
    PricingConfig pricing,
    List<CapDefinition> caps,
    AlertsConfig alerts) {

  public CapsConfig {
    caps = List.copyOf(caps);
  }
}
