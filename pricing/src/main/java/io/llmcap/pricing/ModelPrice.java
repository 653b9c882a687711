package io.llmcap.pricing;

import io.llmcap.pricing.RateSchedule.Rate;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One model's prices, as a catalog entry (possibly patched by an operator override). Immutable.
 *
 * <p>Rates are exact {@link BigDecimal} US dollars per token as written in the catalog's JSON
 * text, or {@code null} when the entry has no such field. A missing field means "this catalog
 * does not know the charge", never "free": {@link CostCalculator} refuses a usage that needs it.
 *
 * <p>The 1-hour cache-write rate of Anthropic models ({@code litellm_provider} {@code anthropic},
 * {@code vertex_ai-anthropic_models}, {@code bedrock*}) is derived as twice the input rate when
 * the entry lacks {@code cache_creation_input_token_cost_above_1hr}: Anthropic bills a write with
 * the 1-hour TTL at 2× the base input price on every platform, and the catalog omits the field
 * for recent models such as Claude Sonnet 4.5 (providers.md §3 and §6). {@link
 * #cacheWrite1hPerToken()} returns the catalog's value; {@link #effectiveCacheWrite1hPerToken()}
 * the one used for pricing.
 */
public final class ModelPrice {
  static final long TIER_128K = 128_000;
  static final long TIER_200K = 200_000;
  private static final String ABOVE_128K = "_above_128k_tokens";
  private static final String ABOVE_200K = "_above_200k_tokens";
  private static final BigDecimal TWO = BigDecimal.valueOf(2);

  private final Fields f;
  private final BigDecimal effectiveCacheWrite1h;
  private final RateSchedule base;
  /** Long-context tiers present in the entry, lowest threshold first. */
  private final RateSchedule[] tiers;
  /**
   * [applicable tier count][(mayWriteCache ? 1 : 0) + (mediaInput ? 2 : 0)]: the dearest
   * input-side rate.
   */
  private final Rate[][] boundInput;
  /** [applicable tier count]: the dearest output-side rate. */
  private final Rate[] boundOutput;
  /** This entry at its {@code *_priority} prices, or null when it has none. */
  private final ModelPrice priority;
  /** This entry at its {@code *_flex} prices, or null when it has none. */
  private final ModelPrice flex;

  ModelPrice(Fields fields) {
    this.f = fields.copy();
    Objects.requireNonNull(f.key, "key");
    this.effectiveCacheWrite1h = f.cacheWrite1h != null
        ? f.cacheWrite1h
        : (isAnthropicFamily(f.provider) && f.input != null ? f.input.multiply(TWO) : null);
    this.base = new RateSchedule(0,
        Rate.of("input_cost_per_token", f.input),
        Rate.of("cache_read_input_token_cost", f.cacheRead),
        Rate.of("cache_creation_input_token_cost", f.cacheWrite5m),
        Rate.of(f.cacheWrite1h != null
            ? "cache_creation_input_token_cost_above_1hr"
            : "cache_creation_input_token_cost_above_1hr (derived: 2x input_cost_per_token)",
            effectiveCacheWrite1h),
        Rate.of("output_cost_per_token", f.output),
        Rate.of("output_cost_per_reasoning_token", f.reasoning),
        Rate.of("input_cost_per_audio_token", f.audioInput),
        Rate.of("output_cost_per_audio_token", f.audioOutput));
    RateSchedule tier128 = f.inputAbove128k == null && f.outputAbove128k == null
        ? null
        : RateSchedule.tier(TIER_128K, ABOVE_128K, base, f.inputAbove128k, f.outputAbove128k,
            null, null);
    RateSchedule tier200 = f.inputAbove200k == null && f.outputAbove200k == null
        ? null
        : RateSchedule.tier(TIER_200K, ABOVE_200K, base, f.inputAbove200k, f.outputAbove200k,
            f.cacheReadAbove200k, f.cacheWriteAbove200k);
    if (tier128 != null && tier200 != null) {
      this.tiers = new RateSchedule[] {tier128, tier200};
    } else if (tier128 != null || tier200 != null) {
      this.tiers = new RateSchedule[] {tier128 != null ? tier128 : tier200};
    } else {
      this.tiers = new RateSchedule[0];
    }
    this.boundInput = new Rate[tiers.length + 1][4];
    this.boundOutput = new Rate[tiers.length + 1];
    for (int applicable = 0; applicable <= tiers.length; applicable++) {
      for (int variant = 0; variant < 4; variant++) {
        boundInput[applicable][variant] =
            dearestInput(applicable, (variant & 1) != 0, (variant & 2) != 0);
      }
      boundOutput[applicable] = dearestOutput(applicable);
    }
    this.priority = f.inputPriority != null && f.outputPriority != null
        ? new ModelPrice(atTier(f, f.inputPriority, f.outputPriority, f.cacheReadPriority))
        : null;
    this.flex = f.inputFlex != null && f.outputFlex != null
        ? new ModelPrice(atTier(f, f.inputFlex, f.outputFlex, f.cacheReadFlex))
        : null;
  }

  /**
   * The entry's fields with a service tier's base prices. A tier column the catalog lacks (a
   * priority cache-read price) stays missing rather than falling back to the cheaper standard
   * price, so such usage is refused, not under-billed.
   */
  private static Fields atTier(Fields standard, BigDecimal input, BigDecimal output,
      BigDecimal cacheRead) {
    Fields t = standard.copy();
    t.input = input;
    t.output = output;
    t.cacheRead = cacheRead;
    t.inputPriority = null;
    t.outputPriority = null;
    t.cacheReadPriority = null;
    t.inputFlex = null;
    t.outputFlex = null;
    t.cacheReadFlex = null;
    return t;
  }

  /**
   * This entry as billed at {@code tier}: the {@code *_priority} or {@code *_flex} columns. Flex
   * without flex prices is billed at the standard prices (dearer than any flex price, so never
   * under-billed).
   *
   * @throws UnpriceableUsageException for a priority call on an entry without priority prices, or
   *     a tier the catalog has no columns for
   */
  public ModelPrice atServiceTier(ServiceTier tier) throws UnpriceableUsageException {
    return switch (tier) {
      case STANDARD -> this;
      case FLEX -> flex != null ? flex : this;
      case PRIORITY -> {
        if (priority == null) {
          throw new UnpriceableUsageException("model '" + f.key + "' has no"
              + " 'input_cost_per_token_priority' and 'output_cost_per_token_priority' in the price"
              + " catalog, so a call served at the priority tier cannot be priced");
        }
        yield priority;
      }
      case UNPRICED -> throw new UnpriceableUsageException("the price catalog has no prices for"
          + " the service tier model '" + f.key + "' was served at");
    };
  }

  /** True when the entry has priority-tier prices ({@code input/output_cost_per_token_priority}). */
  public boolean hasPriorityPrices() {
    return priority != null;
  }

  static boolean isAnthropicFamily(String provider) {
    return provider != null
        && (provider.equals("anthropic") || provider.equals("vertex_ai-anthropic_models")
            || provider.startsWith("bedrock"));
  }

  public String key() {
    return f.key;
  }

  public String litellmProvider() {
    return f.provider;
  }

  /** {@code chat}, {@code completion}, {@code embedding}, {@code responses}, …; may be null. */
  public String mode() {
    return f.mode;
  }

  public OptionalLong maxInputTokens() {
    return f.maxInputTokens == null ? OptionalLong.empty() : OptionalLong.of(f.maxInputTokens);
  }

  public OptionalLong maxOutputTokens() {
    return f.maxOutputTokens == null ? OptionalLong.empty() : OptionalLong.of(f.maxOutputTokens);
  }

  /** Tokens of the system prompt the provider adds when tools are given (Anthropic). */
  public OptionalLong toolUseSystemPromptTokens() {
    return f.toolUseSystemPromptTokens == null
        ? OptionalLong.empty()
        : OptionalLong.of(f.toolUseSystemPromptTokens);
  }

  /** True when the entry was created or patched by a {@code pricing.overrides} entry. */
  public boolean overridden() {
    return f.overridden;
  }

  boolean addedByOverride() {
    return f.added;
  }

  /** {@code input_cost_per_token}. */
  public BigDecimal inputPerToken() {
    return f.input;
  }

  /** {@code output_cost_per_token}. */
  public BigDecimal outputPerToken() {
    return f.output;
  }

  /** {@code cache_read_input_token_cost}. */
  public BigDecimal cacheReadPerToken() {
    return f.cacheRead;
  }

  /** {@code cache_creation_input_token_cost}: a cache write with the default (5 minute) TTL. */
  public BigDecimal cacheWrite5mPerToken() {
    return f.cacheWrite5m;
  }

  /** {@code cache_creation_input_token_cost_above_1hr} as the catalog has it (1-hour TTL). */
  public BigDecimal cacheWrite1hPerToken() {
    return f.cacheWrite1h;
  }

  /** The 1-hour cache-write rate used for pricing: the catalog's, else 2× input for Anthropic. */
  public BigDecimal effectiveCacheWrite1hPerToken() {
    return effectiveCacheWrite1h;
  }

  /** {@code output_cost_per_reasoning_token}. */
  public BigDecimal reasoningPerToken() {
    return f.reasoning;
  }

  /** {@code input_cost_per_audio_token}. */
  public BigDecimal audioInputPerToken() {
    return f.audioInput;
  }

  /** {@code output_cost_per_audio_token}. */
  public BigDecimal audioOutputPerToken() {
    return f.audioOutput;
  }

  /**
   * USD per web search: the dearest value of {@code search_context_cost_per_query}. The search
   * context size a call used is not reported in its usage, so the dearest size is charged; for
   * Anthropic and Bedrock Claude every size has the same price, so that is exact.
   */
  public BigDecimal webSearchPerQuery() {
    return f.searchPerQuery;
  }

  /** {@code input_cost_per_request}: a fixed charge per call, on top of its tokens. */
  public BigDecimal perRequest() {
    return f.perRequest;
  }

  /**
   * USD per web search at one {@code search_context_size} ({@code low}, {@code medium}, {@code
   * high}); the dearest size when {@code contextSize} is null or not priced by size.
   */
  public BigDecimal webSearchPerQuery(String contextSize) {
    if (contextSize != null && f.searchPerQueryBySize != null) {
      BigDecimal sized = f.searchPerQueryBySize.get(contextSize.toLowerCase(Locale.ROOT));
      if (sized != null) {
        return sized;
      }
    }
    return f.searchPerQuery;
  }

  Rate webSearchRate() {
    return Rate.of("search_context_cost_per_query", f.searchPerQuery);
  }

  Rate webSearchRate(String contextSize) {
    return Rate.of("search_context_cost_per_query", webSearchPerQuery(contextSize));
  }

  Rate perRequestRate() {
    return Rate.of("input_cost_per_request", f.perRequest);
  }

  public BigDecimal inputPerTokenAbove200k() {
    return f.inputAbove200k;
  }

  public BigDecimal outputPerTokenAbove200k() {
    return f.outputAbove200k;
  }

  public BigDecimal cacheReadPerTokenAbove200k() {
    return f.cacheReadAbove200k;
  }

  public BigDecimal cacheWritePerTokenAbove200k() {
    return f.cacheWriteAbove200k;
  }

  public BigDecimal inputPerTokenAbove128k() {
    return f.inputAbove128k;
  }

  public BigDecimal outputPerTokenAbove128k() {
    return f.outputAbove128k;
  }

  /** The schedule every token of a call with this many input-side tokens is billed at. */
  RateSchedule scheduleFor(long promptTokens) {
    for (int i = tiers.length - 1; i >= 0; i--) {
      if (promptTokens > tiers[i].aboveTokens) {
        return tiers[i];
      }
    }
    return base;
  }

  /** The dearest rate any input-side token of a call with at most {@code inputTokens} can have. */
  Rate boundInputRate(long inputTokens, boolean mayWriteCache, boolean mediaInput) {
    return boundInput[applicableTiers(inputTokens)][(mayWriteCache ? 1 : 0) + (mediaInput ? 2 : 0)];
  }

  /** The dearest rate any output or reasoning token of such a call can have. */
  Rate boundOutputRate(long inputTokens) {
    return boundOutput[applicableTiers(inputTokens)];
  }

  private int applicableTiers(long inputTokens) {
    int n = 0;
    while (n < tiers.length && inputTokens > tiers[n].aboveTokens) {
      n++;
    }
    return n;
  }

  private RateSchedule schedule(int index) {
    return index == 0 ? base : tiers[index - 1];
  }

  private Rate dearestInput(int applicableTiers, boolean mayWriteCache, boolean mediaInput) {
    Rate dearest = null;
    for (int i = 0; i <= applicableTiers; i++) {
      RateSchedule s = schedule(i);
      if (!s.input.present()) {
        return s.input;
      }
      dearest = max(dearest, s.input);
      dearest = max(dearest, s.cacheRead);
      if (mayWriteCache) {
        dearest = max(dearest, s.cacheWrite5m);
        dearest = max(dearest, s.cacheWrite1h);
      }
      if (mediaInput) {
        dearest = max(dearest, s.audioInput);
      }
    }
    return dearest;
  }

  private Rate dearestOutput(int applicableTiers) {
    Rate dearest = null;
    for (int i = 0; i <= applicableTiers; i++) {
      RateSchedule s = schedule(i);
      if (!s.output.present()) {
        return s.output;
      }
      dearest = max(dearest, s.output);
      dearest = max(dearest, s.reasoning);
      // Output modality is not always visible in the body (a realtime or audio model may answer
      // in audio), so an audio-capable entry reserves output at its audio rate.
      dearest = max(dearest, s.audioOutput);
    }
    return dearest;
  }

  private static Rate max(Rate current, Rate candidate) {
    if (!candidate.present()) {
      return current;
    }
    return current == null || candidate.nanos().compareTo(current.nanos()) > 0 ? candidate : current;
  }

  Fields fields() {
    return f.copy();
  }

  @Override
  public String toString() {
    return "ModelPrice[" + f.key + ", provider=" + f.provider + ", input=" + plain(f.input)
        + ", output=" + plain(f.output) + "]";
  }

  private static String plain(BigDecimal value) {
    return value == null ? "none" : value.toPlainString();
  }

  /** Mutable raw fields, used while reading the catalog and applying overrides. */
  static final class Fields {
    String key;
    String provider;
    String mode;
    Long maxInputTokens;
    Long maxOutputTokens;
    Long toolUseSystemPromptTokens;
    boolean overridden;
    /** Created by an override under a name that is not a catalog key: valid on every route. */
    boolean added;
    BigDecimal input;
    BigDecimal output;
    BigDecimal cacheRead;
    BigDecimal cacheWrite5m;
    BigDecimal cacheWrite1h;
    BigDecimal reasoning;
    BigDecimal inputAbove200k;
    BigDecimal outputAbove200k;
    BigDecimal cacheReadAbove200k;
    BigDecimal cacheWriteAbove200k;
    BigDecimal inputAbove128k;
    BigDecimal outputAbove128k;
    BigDecimal audioInput;
    BigDecimal audioOutput;
    /** The dearest of {@code search_context_cost_per_query}'s context sizes, USD per search. */
    BigDecimal searchPerQuery;
    /** {@code search_context_cost_per_query} by size ({@code low}, {@code medium}, {@code high}). */
    Map<String, BigDecimal> searchPerQueryBySize;
    /** {@code input_cost_per_request}, USD charged once per call. */
    BigDecimal perRequest;
    BigDecimal inputPriority;
    BigDecimal outputPriority;
    BigDecimal cacheReadPriority;
    BigDecimal inputFlex;
    BigDecimal outputFlex;
    BigDecimal cacheReadFlex;

    Fields copy() {
      Fields c = new Fields();
      c.key = key;
      c.provider = provider;
      c.mode = mode;
      c.maxInputTokens = maxInputTokens;
      c.maxOutputTokens = maxOutputTokens;
      c.toolUseSystemPromptTokens = toolUseSystemPromptTokens;
      c.overridden = overridden;
      c.added = added;
      c.input = input;
      c.output = output;
      c.cacheRead = cacheRead;
      c.cacheWrite5m = cacheWrite5m;
      c.cacheWrite1h = cacheWrite1h;
      c.reasoning = reasoning;
      c.inputAbove200k = inputAbove200k;
      c.outputAbove200k = outputAbove200k;
      c.cacheReadAbove200k = cacheReadAbove200k;
      c.cacheWriteAbove200k = cacheWriteAbove200k;
      c.inputAbove128k = inputAbove128k;
      c.outputAbove128k = outputAbove128k;
      c.audioInput = audioInput;
      c.audioOutput = audioOutput;
      c.searchPerQuery = searchPerQuery;
      c.searchPerQueryBySize = searchPerQueryBySize;
      c.perRequest = perRequest;
      c.inputPriority = inputPriority;
      c.outputPriority = outputPriority;
      c.cacheReadPriority = cacheReadPriority;
      c.inputFlex = inputFlex;
      c.outputFlex = outputFlex;
      c.cacheReadFlex = cacheReadFlex;
      return c;
    }
  }
}
