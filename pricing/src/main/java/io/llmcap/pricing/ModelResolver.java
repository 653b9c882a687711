package io.llmcap.pricing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the catalog entry for a model as a caller names it on a route. Stateless; {@link
 * PriceCatalog} caches its answers.
 *
 * <p>Candidate keys come in order: the name as given, then with a caller-side prefix removed
 * ({@code openai/gpt-4o}, {@code models/gemini-2.5-flash}), then fallbacks for snapshots and
 * aliases the catalog does not list (an undated base for an unknown date suffix, the base or
 * newest snapshot for {@code -latest}, the base for a Gemini {@code -001} version, another
 * inference profile for a Bedrock id). Each name is looked up under the route's own key forms
 * ({@code gemini/…}, {@code azure/…}, {@code mistral/…}, {@code vertex_ai/…}). Three passes run
 * over the candidates: first entries of the route's {@code litellm_provider} family in a
 * call-priced mode (chat, responses, completion, embedding), then such modes from any provider,
 * then any entry. Overridden entries belong to every route's family.
 */
final class ModelResolver {
  private static final Set<String> CALL_MODES = Set.of("chat", "responses", "completion",
      "embedding");
  private static final List<String> CALLER_PREFIXES = List.of("openai/", "anthropic/", "azure/",
      "gemini/", "google/", "vertex_ai/", "mistral/", "cohere/", "bedrock/", "bedrock_converse/");
  /** Date and version suffixes that name a snapshot of an undated model. */
  private static final Pattern SNAPSHOT_SUFFIX = Pattern.compile(
      "(?:-\\d{4}-\\d{2}-\\d{2}|-\\d{8}|@\\d{8}|@\\d{3}|-\\d{3}|-\\d{4}|-preview-\\d{2}-\\d{2})$");
  private static final Pattern GEO_PROFILE =
      Pattern.compile("^(us|eu|apac|jp|au|ca|us-gov|global)\\.(.+)$");
  /** Regional profiles (dearer) before the global one, so a guessed profile never under-prices. */
  private static final List<String> GEO_ORDER = List.of("us.", "eu.", "apac.", "jp.", "au.",
      "global.");
  private static final Pattern DATED_KEY_SUFFIX =
      Pattern.compile("^-(\\d{8}|\\d{4}-\\d{2}-\\d{2})$");
  private static final int MAX_LISTED_CANDIDATES = 6;

  private final Map<String, ModelPrice> entries;

  ModelResolver(Map<String, ModelPrice> entries) {
    this.entries = entries;
  }

  /** The entry, or null; {@code route == null} means no route preference (used for overrides). */
  ModelPrice resolve(PriceRoute route, String model) {
    List<String> keys = candidateKeys(route, model);
    if (route != null) {
      for (String key : keys) {
        ModelPrice p = entries.get(key);
        if (p != null && inCallMode(p) && inFamily(route, p)) {
          return p;
        }
      }
    }
    for (String key : keys) {
      ModelPrice p = entries.get(key);
      if (p != null && inCallMode(p)) {
        return p;
      }
    }
    for (String key : keys) {
      ModelPrice p = entries.get(key);
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  String unknownMessage(PriceRoute route, String model) {
    List<String> keys = candidateKeys(route, model);
    String tried = keys.size() <= MAX_LISTED_CANDIDATES
        ? String.join(", ", keys)
        : String.join(", ", keys.subList(0, MAX_LISTED_CANDIDATES)) + ", …";
    return "no price for model '" + model + "' on route " + route
        + ": the price catalog has none of the keys " + tried
        + ". Add a pricing.overrides entry to the caps file, e.g. {model: \"" + model
        + "\", inputPerMTok: <USD per million input tokens>, outputPerMTok: <USD per million"
        + " output tokens>}";
  }

  List<String> candidateKeys(PriceRoute route, String model) {
    LinkedHashSet<String> names = new LinkedHashSet<>();
    for (String name : callerNames(route, model)) {
      names.add(name);
    }
    List<String> given = new ArrayList<>(names);
    for (String name : given) {
      addFallbacks(route, name, names);
    }
    LinkedHashSet<String> keys = new LinkedHashSet<>();
    for (String name : names) {
      routeKeys(route, name, keys);
    }
    return new ArrayList<>(keys);
  }

  /** The name as given, then stripped of the prefixes callers and SDKs put before model ids. */
  private static List<String> callerNames(PriceRoute route, String model) {
    List<String> names = new ArrayList<>(4);
    String name = model.trim();
    if (route == PriceRoute.BEDROCK) {
      // Bedrock model ids reach us percent-encoded in URL paths (':' as %3A).
      name = name.replace("%3A", ":").replace("%3a", ":");
    }
    names.add(name);
    String stripped = name;
    int models = stripped.lastIndexOf("models/");
    if (models >= 0 && (models == 0 || stripped.charAt(models - 1) == '/')) {
      stripped = stripped.substring(models + "models/".length());
    }
    for (String prefix : CALLER_PREFIXES) {
      if (stripped.startsWith(prefix)) {
        stripped = stripped.substring(prefix.length());
        break;
      }
    }
    names.add(stripped);
    String lower = stripped.toLowerCase(Locale.ROOT);
    names.add(lower);
    return names;
  }

  private void addFallbacks(PriceRoute route, String name, Set<String> out) {
    if (name.endsWith("-latest")) {
      String base = name.substring(0, name.length() - "-latest".length());
      out.add(base);
      String newest = newestDatedSnapshot(route, base);
      if (newest != null) {
        out.add(newest);
      }
    }
    Matcher snapshot = SNAPSHOT_SUFFIX.matcher(name);
    if (snapshot.find() && snapshot.start() > 0) {
      out.add(name.substring(0, snapshot.start()));
    }
    if (route == PriceRoute.BEDROCK) {
      Matcher geo = GEO_PROFILE.matcher(name);
      String bare = geo.matches() ? geo.group(2) : name;
      out.add(bare);
      for (String prefix : GEO_ORDER) {
        out.add(prefix + bare);
      }
    }
  }

  /** The newest {@code base-YYYYMMDD} / {@code base-YYYY-MM-DD} key under the route's forms. */
  private String newestDatedSnapshot(PriceRoute route, String base) {
    LinkedHashSet<String> prefixes = new LinkedHashSet<>();
    routeKeys(route, base, prefixes);
    String newest = null;
    String newestDate = null;
    for (String key : entries.keySet()) {
      for (String prefix : prefixes) {
        if (key.length() > prefix.length() && key.startsWith(prefix)) {
          Matcher m = DATED_KEY_SUFFIX.matcher(key.substring(prefix.length()));
          if (m.matches()) {
            String date = m.group(1).replace("-", "");
            if (newestDate == null || date.compareTo(newestDate) > 0) {
              newestDate = date;
              newest = base + key.substring(prefix.length());
            }
          }
        }
      }
    }
    return newest;
  }

  /** How the route's own catalog entries spell a model, most specific first. */
  private static void routeKeys(PriceRoute route, String name, Set<String> out) {
    if (route == null) {
      out.add(name);
      return;
    }
    switch (route) {
      case GEMINI -> {
        out.add("gemini/" + name);
        out.add(name);
      }
      case VERTEX -> {
        out.add(name);
        out.add("vertex_ai/" + name);
      }
      case AZURE -> {
        out.add("azure/" + name);
        out.add(name);
      }
      case MISTRAL -> {
        out.add("mistral/" + name);
        out.add(name);
      }
      default -> out.add(name);
    }
  }

  private static boolean inCallMode(ModelPrice p) {
    return p.overridden() || (p.mode() != null && CALL_MODES.contains(p.mode()));
  }

  static boolean inFamily(PriceRoute route, ModelPrice p) {
    if (p.addedByOverride()) {
      return true;
    }
    String provider = p.litellmProvider();
    if (provider == null) {
      return false;
    }
    return switch (route) {
      case OPENAI -> provider.equals("openai") || provider.equals("text-completion-openai");
      case AZURE -> provider.equals("azure") || provider.equals("azure_text");
      case ANTHROPIC -> provider.equals("anthropic");
      case GEMINI -> provider.equals("gemini");
      case VERTEX -> provider.startsWith("vertex_ai");
      case BEDROCK -> provider.startsWith("bedrock");
      case MISTRAL -> provider.equals("mistral") || provider.endsWith("codestral");
      case COHERE -> provider.equals("cohere") || provider.equals("cohere_chat");
      case OPENAI_COMPATIBLE -> false;
    };
  }
}
