package io.llmcap.server.config;

import io.llmcap.pricing.PriceOverride;
import java.util.List;
import java.util.Map;

/**
 * Price sources ({@code pricing:}).
 *
 * @param catalog {@value #BUNDLED} or a path to a LiteLLM-format JSON file
 * @param overrides operator prices, at most one per model
 * @param deployments names in URL paths that are not model ids (Azure deployments, Bedrock
 *     inference-profile ARNs) to the model they serve
 */
public record PricingConfig(
    String catalog, List<PriceOverride> overrides, Map<String, String> deployments) {

  public static final String BUNDLED = "bundled";

  public PricingConfig {
    overrides = List.copyOf(overrides);
    deployments = Map.copyOf(deployments);
  }

  public boolean bundledCatalog() {
    return BUNDLED.equals(catalog);
  }

  public static PricingConfig defaults() {
    return new PricingConfig(BUNDLED, List.of(), Map.of());
  }
}
