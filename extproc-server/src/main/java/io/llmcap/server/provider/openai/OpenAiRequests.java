package io.llmcap.server.provider.openai;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.CostFactors;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.StrictJson;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Request fields shared by OpenAI's endpoints. */
final class OpenAiRequests {

  private OpenAiRequests() {}

  /**
   * The body's {@code model}, required unless the path names the model (an Azure deployment in
   * {@code /openai/deployments/{deployment}/...}, where Azure ignores the body's {@code model}):
   * then the path's name is returned and a body {@code model} must at least be a string.
   */
  static String model(ObjectNode root, ApiRoute route) throws InvalidRequestException {
    if (route.pathModel() == null) {
      return StrictJson.requiredString(root, "model", "model");
    }
    JsonNode model = root.get("model");
    if (model != null && !model.isNull() && !model.isTextual()) {
      throw new InvalidRequestException(
          "field 'model' must be a string, not " + StrictJson.kind(model));
    }
    return route.pathModel();
  }

  /** The {@code service_tier} values the catalog has price columns for. */
  private static final Set<String> PRICED_TIERS = Set.of("auto", "default", "flex", "priority");

  /**
   * Notes the request's {@code service_tier}; a tier the catalog has no price column for ({@code
   * scale}, {@code ultrafast}, …) leaves the call without a bound.
   */
  static void serviceTier(ObjectNode root, CostFactors.Builder factors)
      throws InvalidRequestException {
    JsonNode tier = root.get("service_tier");
    if (tier == null || tier.isNull()) {
      return;
    }
    if (!tier.isTextual()) {
      throw new InvalidRequestException(
          "field 'service_tier' must be a string, not " + StrictJson.kind(tier));
    }
    String name = tier.textValue().trim().toLowerCase(Locale.ROOT);
    if (!PRICED_TIERS.contains(name)) {
      factors.unbounded("service_tier '" + tier.textValue() + "' has no prices in the price catalog");
    }
    factors.serviceTier(name);
  }

  /** {@code n}-style counts: absent gives 1; otherwise at least 1. */
  static long atLeastOne(ObjectNode root, String field) throws InvalidRequestException {
    Long n = StrictJson.optionalTokenCount(root, field, field);
    if (n != null && n < 1) {
      throw new InvalidRequestException("field '" + field + "' must be at least 1, got " + n);
    }
    return n == null ? 1 : n;
  }

  /**
   * The items of a prompt/input array: strings are text to tokenize (added to {@code texts}),
   * integers and arrays of integers are token ids (counted and returned).
   *
   * @param field the field's name, for error messages
   */
  static long textsAndTokenIds(String field, JsonNode array, List<String> texts) throws InvalidRequestException {
    long tokenIds = 0;
    for (int i = 0; i < array.size(); i++) {
      JsonNode item = array.get(i);
      if (item.isTextual()) {
        texts.add(item.textValue());
      } else if (item.isIntegralNumber()) {
        tokenIds++;
      } else if (item.isArray()) {
        for (JsonNode token : item) {
          if (!token.isIntegralNumber()) {
            throw new InvalidRequestException(
                "'" + field + "[" + i + "]' must be an array of token ids (integers)");
          }
        }
        tokenIds += item.size();
      } else {
        throw new InvalidRequestException(
            "'" + field + "[" + i + "]' must be a string, a token id or an array of token ids, not "
                + StrictJson.kind(item));
      }
    }
    return tokenIds;
  }
}
