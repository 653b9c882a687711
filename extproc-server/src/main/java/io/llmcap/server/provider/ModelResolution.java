package io.llmcap.server.provider;

import java.util.Map;

/**
 * The model name a call is priced under, from its route, its request and the caps file's {@code
 * pricing.deployments} map (names customers chose for what they deployed: Azure deployments,
 * Bedrock inference-profile ARNs).
 */
public final class ModelResolution {

  private ModelResolution() {}

  /**
   * The name to look up in the price catalog on {@code route.priceRoute()}: the path's model,
   * else the body's; then, in order, the deployments map's entry for that exact name, for a
   * Bedrock ARN the model id or inference profile after its last {@code /}
   * ({@code arn:aws:bedrock:…:inference-profile/us.anthropic.claude-…}), else the name itself
   * (an Azure deployment named after its model prices as that model).
   *
   * @param deployments deployment name to model id; may be empty
   */
  public static String modelToPrice(
      ApiRoute route, ParsedRequest request, Map<String, String> deployments) {
    String named = route.pathModel() != null ? route.pathModel() : request.model();
    String mapped = deployments == null ? null : deployments.get(named);
    if (mapped != null) {
      return mapped;
    }
    if (route.provider() == Provider.BEDROCK && named.startsWith("arn:")) {
      return named.substring(named.lastIndexOf('/') + 1);
    }
    return named;
  }
}
