package io.llmcap.server.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmcap.server.provider.CostFactors;
import java.util.Iterator;

/**
 * What a generateContent request's {@code tools} mean for its cost.
 *
 * <ul>
 *   <li>{@code functionDeclarations} and {@code computerUse} run on the caller's side: their
 *       definitions are input text, nothing more.
 *   <li>{@code urlContext} fetches the pages and bills their tokens as input ({@code
 *       toolUsePromptTokenCount}); they must fit the context window, so they add at most one
 *       window.
 *   <li>{@code googleSearch} and {@code googleSearchRetrieval} are billed per grounded prompt or
 *       per search query, a price the catalog does not carry, any number of queries;
 *       {@code codeExecution} lets the model run code and read its output back over passes whose
 *       number is not limited: none of them has a bound.
 *   <li>Any other tool (Maps, file search, enterprise search, Vertex retrieval) is billed in ways
 *       LLMCap does not know: no bound.
 * </ul>
 */
final class GeminiTools {

  private GeminiTools() {}

  static CostFactors costFactors(JsonNode tools) {
    CostFactors.Builder factors = CostFactors.builder();
    if (tools == null || !tools.isArray()) {
      return factors.build();
    }
    for (JsonNode tool : tools) {
      for (Iterator<String> names = tool.fieldNames(); names.hasNext(); ) {
        String name = camel(names.next());
        switch (name) {
          case "functionDeclarations", "computerUse" -> { }
          case "urlContext" -> factors.rereads(1);
          case "googleSearch", "googleSearchRetrieval" -> factors.unbounded("tool '" + name
              + "' bills grounding per prompt or per search query, which the price catalog does not price");
          case "codeExecution" -> factors.unbounded("tool 'codeExecution' may run code and read its output back"
              + " as input over any number of passes");
          default -> factors.unbounded("tool '" + name + "' is one whose billing LLMCap does not know");
        }
      }
    }
    return factors.build();
  }

  /** {@code google_search -> googleSearch}: proto names and JSON names mean the same field. */
  private static String camel(String name) {
    StringBuilder out = new StringBuilder(name.length());
    boolean upper = false;
    for (char c : name.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }
}
