package io.llmcap.pricing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads LiteLLM's {@code model_prices_and_context_window.json}. Numbers are taken as the exact
 * decimals of the JSON text (Jackson's {@code USE_BIG_DECIMAL_FOR_FLOATS}): read through a
 * {@code double}, {@code 5.302e-06} would become 5,301,999.99… nano-dollars per million.
 */
final class CatalogReader {
  /** The key that documents the fields; it is not a model. */
  static final String SAMPLE_SPEC = "sample_spec";

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  private CatalogReader() {}

  static Map<String, ModelPrice> read(InputStream json, String source) throws PricingException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new PricingException("price catalog " + source + " is not valid JSON at line "
          + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": "
          + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new PricingException("cannot read price catalog " + source + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new PricingException("price catalog " + source
          + " must be one JSON object of model entries (LiteLLM's model_prices_and_context_window"
          + ".json format)");
    }
    Map<String, ModelPrice> entries = new HashMap<>(root.size() * 2);
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals(SAMPLE_SPEC)) {
        continue;
      }
      if (!e.getValue().isObject()) {
        throw new PricingException("price catalog " + source + ": entry '" + e.getKey()
            + "' must be a JSON object");
      }
      entries.put(e.getKey(), new ModelPrice(fields(e.getKey(), e.getValue(), source)));
    }
    return entries;
  }

  private static ModelPrice.Fields fields(String key, JsonNode node, String source)
      throws PricingException {
    Where where = new Where(source, key);
    ModelPrice.Fields f = new ModelPrice.Fields();
    f.key = key;
    f.provider = text(node, "litellm_provider");
    f.mode = text(node, "mode");
    f.maxInputTokens = count(node, "max_input_tokens", where);
    f.maxOutputTokens = count(node, "max_output_tokens", where);
    f.toolUseSystemPromptTokens = count(node, "tool_use_system_prompt_tokens", where);
    f.input = rate(node, "input_cost_per_token", where);
    f.output = rate(node, "output_cost_per_token", where);
    f.cacheRead = rate(node, "cache_read_input_token_cost", where);
    f.cacheWrite5m = rate(node, "cache_creation_input_token_cost", where);
    f.cacheWrite1h = rate(node, "cache_creation_input_token_cost_above_1hr", where);
    f.reasoning = rate(node, "output_cost_per_reasoning_token", where);
    f.inputAbove200k = rate(node, "input_cost_per_token_above_200k_tokens", where);
    f.outputAbove200k = rate(node, "output_cost_per_token_above_200k_tokens", where);
    f.cacheReadAbove200k = rate(node, "cache_read_input_token_cost_above_200k_tokens", where);
    f.cacheWriteAbove200k =
        rate(node, "cache_creation_input_token_cost_above_200k_tokens", where);
    f.inputAbove128k = rate(node, "input_cost_per_token_above_128k_tokens", where);
    f.outputAbove128k = rate(node, "output_cost_per_token_above_128k_tokens", where);
    f.audioInput = rate(node, "input_cost_per_audio_token", where);
    f.audioOutput = rate(node, "output_cost_per_audio_token", where);
    f.searchPerQuery = dearestRate(node, "search_context_cost_per_query", where);
    f.searchPerQueryBySize = ratesBySize(node, "search_context_cost_per_query", where);
    f.perRequest = rate(node, "input_cost_per_request", where);
    f.inputPriority = rate(node, "input_cost_per_token_priority", where);
    f.outputPriority = rate(node, "output_cost_per_token_priority", where);
    f.cacheReadPriority = rate(node, "cache_read_input_token_cost_priority", where);
    f.inputFlex = rate(node, "input_cost_per_token_flex", where);
    f.outputFlex = rate(node, "output_cost_per_token_flex", where);
    f.cacheReadFlex = rate(node, "cache_read_input_token_cost_flex", where);
    return f;
  }

  private record Where(String source, String key) {
    PricingException error(String field, JsonNode value, String expected) {
      return new PricingException("price catalog " + source + ": entry '" + key + "', field '"
          + field + "' is " + value + ", expected " + expected);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static BigDecimal decimal(JsonNode node, String field, Where where, String expected)
      throws PricingException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isNumber()) {
      return v.isIntegralNumber() ? new BigDecimal(v.bigIntegerValue()) : v.decimalValue();
    }
    // A few upstream entries write numbers as strings ("2e6"); they are still exact decimals.
    if (v.isTextual()) {
      try {
        return new BigDecimal(v.asText().trim());
      } catch (NumberFormatException e) {
        throw where.error(field, v, expected);
      }
    }
    throw where.error(field, v, expected);
  }

  private static BigDecimal rate(JsonNode node, String field, Where where)
      throws PricingException {
    BigDecimal value = decimal(node, field, where, "a price in USD per token (a number >= 0)");
    if (value != null && value.signum() < 0) {
      throw where.error(field, node.get(field), "a price in USD per token (a number >= 0)");
    }
    return value;
  }

  /**
   * A price that is either one number or an object of prices by option ({@code
   * search_context_cost_per_query} keyed by context size): the dearest of them.
   */
  private static BigDecimal dearestRate(JsonNode node, String field, Where where)
      throws PricingException {
    JsonNode v = node.get(field);
    if (v == null || !v.isObject()) {
      return rate(node, field, where);
    }
    BigDecimal dearest = null;
    Iterator<Map.Entry<String, JsonNode>> options = v.fields();
    while (options.hasNext()) {
      Map.Entry<String, JsonNode> option = options.next();
      BigDecimal value = rate(v, option.getKey(), new Where(where.source(), where.key()));
      if (value != null && (dearest == null || value.compareTo(dearest) > 0)) {
        dearest = value;
      }
    }
    return dearest;
  }

  /**
   * {@code search_context_cost_per_query}'s prices by context size, keyed {@code low}, {@code
   * medium}, {@code high} (the catalog writes {@code search_context_size_low}, …); null when the
   * field is absent or one number.
   */
  private static Map<String, BigDecimal> ratesBySize(JsonNode node, String field, Where where)
      throws PricingException {
    JsonNode v = node.get(field);
    if (v == null || !v.isObject()) {
      return null;
    }
    Map<String, BigDecimal> bySize = new HashMap<>();
    Iterator<Map.Entry<String, JsonNode>> options = v.fields();
    while (options.hasNext()) {
      String option = options.next().getKey();
      BigDecimal value = rate(v, option, where);
      if (value != null) {
        String size = option.startsWith("search_context_size_")
            ? option.substring("search_context_size_".length())
            : option;
        bySize.put(size, value);
      }
    }
    return Map.copyOf(bySize);
  }

  private static Long count(JsonNode node, String field, Where where) throws PricingException {
    String expected = "a whole number of tokens >= 0";
    BigDecimal value = decimal(node, field, where, expected);
    if (value == null) {
      return null;
    }
    try {
      long n = value.longValueExact();
      if (n < 0) {
        throw where.error(field, node.get(field), expected);
      }
      return n;
    } catch (ArithmeticException e) {
      throw where.error(field, node.get(field), expected);
    }
  }
}
