package io.llmcap.server.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.server.provider.CostFactors;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.StrictJson;
import java.util.Locale;
import java.util.Map;

/**
 * What a Messages request says about its cost beyond its texts.
 *
 * <ul>
 *   <li>The {@code context-1m-…} beta (header {@code anthropic-beta} on the direct API and Vertex,
 *       body {@code anthropic_beta} on Bedrock) opens a {@value #ONE_MILLION}-token window; past
 *       200k input tokens the whole call is billed at the {@code *_above_200k_tokens} prices.
 *   <li>Server tools run inside the call and feed their results back as input: {@code
 *       web_search_*} (billed per search) and {@code web_fetch_*} are bounded by their {@code
 *       max_uses}, each use a search fee and one more pass over at most the whole window; without
 *       {@code max_uses} they have no bound. {@code code_execution_*} is billed by container time,
 *       which neither the request nor the usage tells, and {@code mcp_servers} call remote tools
 *       any number of times: no bound.
 *   <li>Anthropic-defined client tools ({@code computer_*}, {@code bash_*}, {@code text_editor_*},
 *       {@code memory_*}) add a system prompt and a tool definition the body does not show;
 *       Anthropic publishes 466–499 prompt tokens plus 245 (bash) to 735 (computer) definition
 *       tokens. Each such tool adds {@value #CLIENT_TOOL_HIDDEN_TOKENS} tokens, above their sum.
 *   <li>Any other typed tool is a server tool LLMCap does not know the billing of: no bound.
 * </ul>
 */
public final class AnthropicCostFactors {

  public static final long ONE_MILLION = 1_000_000;
  static final long CLIENT_TOOL_HIDDEN_TOKENS = 2_000;
  private static final String CONTEXT_1M = "context-1m";

  private AnthropicCostFactors() {}

  static CostFactors read(JsonNode root, Map<String, String> headers)
      throws InvalidRequestException {
    CostFactors.Builder factors = CostFactors.builder();
    String headerBetas = headers == null ? null : headers.get("anthropic-beta");
    boolean oneMillion = headerBetas != null && opensOneMillion(headerBetas.split(","));
    JsonNode bodyBetas = root.get("anthropic_beta");
    if (bodyBetas != null && !bodyBetas.isNull()) {
      oneMillion |= opensOneMillion(betaList(bodyBetas, "anthropic_beta"));
    }
    if (oneMillion) {
      factors.contextWindow(ONE_MILLION);
    }
    JsonNode tools = StrictJson.optionalArray(root, "tools", "tools");
    if (tools != null) {
      for (JsonNode tool : tools) {
        tool(tool, factors);
      }
    }
    JsonNode mcp = root.get("mcp_servers");
    if (mcp != null && !mcp.isNull() && !(mcp.isArray() && mcp.isEmpty())) {
      factors.unbounded("'mcp_servers' lets the model call remote tools any number of times and reads their"
          + " results back as input");
    }
    return factors.build();
  }

  /** Beta names from a JSON array of strings (Bedrock's {@code anthropic_beta}). */
  public static String[] betaList(JsonNode betas, String path) throws InvalidRequestException {
    if (!betas.isArray()) {
      throw new InvalidRequestException(
          "field '" + path + "' must be an array of beta names, not " + StrictJson.kind(betas));
    }
    String[] names = new String[betas.size()];
    for (int i = 0; i < betas.size(); i++) {
      if (!betas.get(i).isTextual()) {
        throw new InvalidRequestException(
            "'" + path + "[" + i + "]' must be a beta name, not " + StrictJson.kind(betas.get(i)));
      }
      names[i] = betas.get(i).textValue();
    }
    return names;
  }

  public static boolean opensOneMillion(String[] betas) {
    for (String beta : betas) {
      if (beta.trim().toLowerCase(Locale.ROOT).startsWith(CONTEXT_1M)) {
        return true;
      }
    }
    return false;
  }

  private static void tool(JsonNode tool, CostFactors.Builder factors) throws InvalidRequestException {
    JsonNode typeNode = tool.get("type");
    if (typeNode == null || typeNode.isNull() || "custom".equals(typeNode.asText())) {
      return;
    }
    String type = typeNode.asText();
    if (type.startsWith("web_search_")) {
      Long uses = maxUses(tool, type);
      if (uses == null) {
        factors.unbounded("tool '" + type + "' has no max_uses, so it may search any number of times;"
            + " set max_uses to bound it");
      } else {
        factors.webSearches(uses, null).rereads(uses);
      }
    } else if (type.startsWith("web_fetch_")) {
      Long uses = maxUses(tool, type);
      if (uses == null) {
        factors.unbounded("tool '" + type + "' has no max_uses, so it may fetch any number of pages into the"
            + " input; set max_uses to bound it");
      } else {
        factors.rereads(uses);
      }
    } else if (type.startsWith("code_execution_")) {
      factors.unbounded("tool '" + type + "' is billed by container time, which neither the request nor the"
          + " usage reports");
    } else if (type.startsWith("computer_") || type.startsWith("bash_")
        || type.startsWith("text_editor_") || type.startsWith("memory_")) {
      factors.hiddenInput(CLIENT_TOOL_HIDDEN_TOKENS);
    } else {
      factors.unbounded("tool type '" + type + "' is a server tool whose billing LLMCap does not know");
    }
  }

  private static Long maxUses(JsonNode tool, String type) throws InvalidRequestException {
    return StrictJson.optionalTokenCount(tool, "max_uses", "tools[" + type + "].max_uses");
  }
}
