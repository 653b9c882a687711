package io.llmcap.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model prices: LiteLLM's catalog (the bundled copy or an operator's file) plus operator
 * overrides. Immutable and thread-safe; {@link #resolve} caches its answers per route, since it
 * runs on every call.
 *
 * <p>The bundled catalog is {@code model_prices_and_context_window.json} from BerriAI/litellm
 * (MIT), see the module's NOTICE.
 */
public final class PriceCatalog {
  /** {@code litellm_provider} of a model that only an override prices. */
  public static final String OVERRIDE_PROVIDER = "override";

  static final String BUNDLED_RESOURCE = "model_prices_and_context_window.json";
  /**
   * Resolutions cached per route. Callers choose model names, so the cache must not grow without
   * limit; past this many names per route, answers are computed each time (still correct).
   */
  static final int MAX_CACHED_NAMES_PER_ROUTE = 4096;

  private static final BigDecimal PER_MILLION = BigDecimal.valueOf(1_000_000);

  private final Map<String, ModelPrice> entries;
  private final ModelResolver resolver;
  private final Map<PriceRoute, ConcurrentHashMap<String, Object>> resolved =
      new EnumMap<>(PriceRoute.class);

  private PriceCatalog(Map<String, ModelPrice> entries) {
    this.entries = Collections.unmodifiableMap(entries);
    this.resolver = new ModelResolver(this.entries);
    for (PriceRoute route : PriceRoute.values()) {
      resolved.put(route, new ConcurrentHashMap<>());
    }
  }

  private static final class Bundled {
    static final PriceCatalog INSTANCE = loadBundled();

    private static PriceCatalog loadBundled() {
      try (InputStream in = PriceCatalog.class.getResourceAsStream(BUNDLED_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("the bundled price catalog " + BUNDLED_RESOURCE
              + " is missing from the classpath (io/llmcap/pricing/); the pricing jar is damaged");
        }
        return new PriceCatalog(CatalogReader.read(in, "bundled " + BUNDLED_RESOURCE));
      } catch (IOException | PricingException e) {
        throw new IllegalStateException("the bundled price catalog cannot be read: "
            + e.getMessage(), e);
      }
    }
  }

  /** The catalog shipped in this jar; read once on first use and shared. */
  public static PriceCatalog bundled() {
    return Bundled.INSTANCE;
  }

  /**
   * Reads a catalog file in LiteLLM's {@code model_prices_and_context_window.json} format (the
   * caps file's {@code pricing.catalog} path).
   *
   * @throws PricingException naming the file and what is wrong (unreadable, not JSON, a bad
   *     field)
   */
  public static PriceCatalog load(Path json) throws PricingException {
    try (InputStream in = Files.newInputStream(json)) {
      return new PriceCatalog(CatalogReader.read(in, json.toString()));
    } catch (IOException e) {
      throw new PricingException("cannot read price catalog file " + json + ": " + e, e);
    }
  }

  /**
   * A new catalog with the operator's prices applied; this one is unchanged.
   *
   * <p>An override whose model is a catalog key patches that entry: each non-null field replaces
   * the catalog's, the others (including long-context tier prices) stay. An override naming a
   * model that is not a key but resolves to one ({@code claude-sonnet-4-5-latest}, {@code
   * openai/gpt-4o}) adds an entry under the override's name, copied from the resolved entry and
   * patched, valid on every route. An override of a model the catalog does not know at all adds
   * an entry with {@code litellm_provider} {@value #OVERRIDE_PROVIDER}; it needs input and output
   * prices.
   *
   * @throws PricingException for a negative price or limit, a model listed twice, or an unknown
   *     model without input and output prices
   */
  public PriceCatalog withOverrides(List<PriceOverride> overrides) throws PricingException {
    Map<String, ModelPrice> patched = new HashMap<>(entries);
    Set<String> seen = new HashSet<>();
    for (PriceOverride o : overrides) {
      String model = o.model().trim();
      if (!seen.add(model)) {
        throw new PricingException("pricing.overrides lists model '" + model
            + "' twice; keep one entry per model");
      }
      validate(o, model);
      ModelPrice existing = entries.get(model);
      ModelPrice.Fields f;
      if (existing != null) {
        f = existing.fields();
      } else {
        ModelPrice like = resolver.resolve(null, model);
        if (like != null) {
          f = like.fields();
        } else {
          if (o.inputPerMTok() == null || o.outputPerMTok() == null) {
            throw new PricingException("pricing.overrides entry for model '" + model
                + "': the model is not in the price catalog, so the entry needs both "
                + "inputPerMTok and outputPerMTok");
          }
          f = new ModelPrice.Fields();
          f.provider = OVERRIDE_PROVIDER;
          f.mode = "chat";
        }
        f.key = model;
        f.added = true;
      }
      f.overridden = true;
      apply(o, f);
      patched.put(model, new ModelPrice(f));
    }
    return new PriceCatalog(patched);
  }

  private static void validate(PriceOverride o, String model) throws PricingException {
    requireNonNegative(model, "inputPerMTok", o.inputPerMTok());
    requireNonNegative(model, "outputPerMTok", o.outputPerMTok());
    requireNonNegative(model, "cacheReadPerMTok", o.cacheReadPerMTok());
    requireNonNegative(model, "cacheWritePerMTok", o.cacheWritePerMTok());
    requireNonNegative(model, "cacheWrite1hPerMTok", o.cacheWrite1hPerMTok());
    requireNonNegative(model, "reasoningPerMTok", o.reasoningPerMTok());
    requirePositive(model, "maxInputTokens", o.maxInputTokens());
    requirePositive(model, "maxOutputTokens", o.maxOutputTokens());
  }

  private static void requireNonNegative(String model, String field, BigDecimal value)
      throws PricingException {
    if (value != null && value.signum() < 0) {
      throw new PricingException("pricing.overrides entry for model '" + model + "': " + field
          + " is " + value.toPlainString() + ", a price cannot be negative");
    }
  }

  private static void requirePositive(String model, String field, Long value)
      throws PricingException {
    if (value != null && value <= 0) {
      throw new PricingException("pricing.overrides entry for model '" + model + "': " + field
          + " is " + value + ", it must be a positive number of tokens");
    }
  }

  private static void apply(PriceOverride o, ModelPrice.Fields f) {
    if (o.inputPerMTok() != null) {
      f.input = perToken(o.inputPerMTok());
    }
    if (o.outputPerMTok() != null) {
      f.output = perToken(o.outputPerMTok());
    }
    if (o.cacheReadPerMTok() != null) {
      f.cacheRead = perToken(o.cacheReadPerMTok());
    }
    if (o.cacheWritePerMTok() != null) {
      f.cacheWrite5m = perToken(o.cacheWritePerMTok());
    }
    if (o.cacheWrite1hPerMTok() != null) {
      f.cacheWrite1h = perToken(o.cacheWrite1hPerMTok());
    }
    if (o.reasoningPerMTok() != null) {
      f.reasoning = perToken(o.reasoningPerMTok());
    }
    if (o.maxInputTokens() != null) {
      f.maxInputTokens = o.maxInputTokens();
    }
    if (o.maxOutputTokens() != null) {
      f.maxOutputTokens = o.maxOutputTokens();
    }
  }

  private static BigDecimal perToken(BigDecimal perMillion) {
    return perMillion.divide(PER_MILLION).stripTrailingZeros();
  }

  /** The entry under exactly this catalog key (overrides included). */
  public Optional<ModelPrice> entry(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /**
   * The entry that prices {@code model} as a caller named it on {@code route}: the route's own
   * keys first ({@code gemini/…} for the Gemini API, bare then {@code vertex_ai/…} for Vertex,
   * {@code azure/…}, {@code mistral/…}, Bedrock ids and inference profiles as given), names with a
   * caller-side prefix ({@code openai/gpt-4o}, {@code models/gemini-2.5-flash}), dated snapshots
   * (an unknown date falls back to the undated model when the catalog has it) and {@code -latest}
   * aliases. Entries of the route's provider in a per-call mode are preferred. See {@link
   * ModelResolver} for the exact order.
   *
   * @throws UnknownModelException when nothing prices it; the message tells the operator to add a
   *     {@code pricing.overrides} entry
   */
  public ModelPrice resolve(PriceRoute route, String model) throws UnknownModelException {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(model, "model");
    ConcurrentHashMap<String, Object> cache = resolved.get(route);
    Object hit = cache.get(model);
    if (hit == null) {
      ModelPrice price = resolver.resolve(route, model);
      hit = price != null ? price : new Unknown(resolver.unknownMessage(route, model));
      if (cache.size() < MAX_CACHED_NAMES_PER_ROUTE) {
        cache.putIfAbsent(model, hit);
      }
    }
    if (hit instanceof ModelPrice price) {
      return price;
    }
    throw new UnknownModelException(route, model, ((Unknown) hit).message());
  }

  private record Unknown(String message) {}

  /** Number of model entries (the catalog's {@code sample_spec} is not one). */
  public int size() {
    return entries.size();
  }
}
