package io.llmcap.server.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelResolutionTest {

  private final ProviderRegistry registry = ProviderRegistry.standard();

  private static ParsedRequest body(String model) {
    return new ParsedRequest(model, 10L, false, List.of(), 1, 0, false, false);
  }

  @Test
  void azureDeploymentIsMappedThroughTheDeploymentsMapElseUsedAsTheModel() {
    ApiRoute classic = registry.identify("r.openai.azure.com",
        "/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21", null).orElseThrow();
    ApiRoute v1 = registry.identify("r.openai.azure.com", "/openai/v1/chat/completions", null)
        .orElseThrow();
    Map<String, String> deployments = Map.of("prod-4o", "gpt-4o-2024-11-20");

    assertEquals("gpt-4o-2024-11-20",
        ModelResolution.modelToPrice(classic, body(null), deployments));
    assertEquals("gpt-4o-2024-11-20",
        ModelResolution.modelToPrice(v1, body("prod-4o"), deployments));
    assertEquals("gpt-4o-mini", ModelResolution.modelToPrice(v1, body("gpt-4o-mini"), Map.of()));
  }

  @Test
  void bedrockArnPricesAsTheProfileItNamesUnlessMapped() {
    ApiRoute arn = registry.identify("bedrock-runtime.us-east-1.amazonaws.com",
        "/model/arn:aws:bedrock:us-east-1:1:inference-profile%2Fus.anthropic.claude-sonnet-4-5-20250929-v1:0/converse",
        null).orElseThrow();
    ApiRoute app = registry.identify("bedrock-runtime.us-east-1.amazonaws.com",
        "/model/arn:aws:bedrock:us-east-1:1:application-inference-profile%2Fabc123/converse",
        null).orElseThrow();

    assertEquals("us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        ModelResolution.modelToPrice(arn, body(null), Map.of()));
    assertEquals("anthropic.claude-sonnet-4-5-20250929-v1:0", ModelResolution.modelToPrice(app,
        body(null), Map.of(app.pathModel(), "anthropic.claude-sonnet-4-5-20250929-v1:0")));
  }
}
