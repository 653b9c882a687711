package io.llmcap.server.config;

import io.llmcap.pricing.NanoUsd;
import io.llmcap.pricing.PriceOverride;
import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapDefinition;
import io.llmcap.server.cap.CapMatch;
import io.llmcap.server.cap.Per;
import io.llmcap.server.cap.WindowUnit;
import io.llmcap.server.provider.Provider;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads and validates a caps file (design.md, "Caps file"). Everything is checked before anything
 * is used: a file with one bad field is refused as a whole, with its line, column and field path,
 * so a running server can keep its last good file.
 */
public final class CapsFileParser {

  /** The one cap of the embedded default: obviously a demo, and generous. */
  public static final String DEMO_CAP_NAME = "demo-default-daily";

  private static final List<String> TOP = List.of("store", "enforcement", "pricing", "caps", "alerts");
  private static final List<String> STORE =
      List.of("type", "path", "uri", "nodes", "onFailure", "holdTtl", "timeout");
  private static final List<String> ENFORCEMENT =
      List.of("mode", "overBudget", "minOutputTokens", "unknownModel");
  private static final List<String> UNKNOWN_MODEL_PRICE = List.of("inputPerMTok", "outputPerMTok");
  private static final List<String> PRICING = List.of("catalog", "overrides", "deployments");
  private static final List<String> OVERRIDE =
      List.of("model", "inputPerMTok", "outputPerMTok", "cacheReadPerMTok", "cacheWritePerMTok",
          "cacheWrite1hPerMTok", "reasoningPerMTok", "maxInputTokens", "maxOutputTokens");
  private static final List<String> CAP =
      List.of("name", "limitUsd", "window", "timezone", "per", "match", "action");
  private static final List<String> MATCH = List.of("provider", "model", "header");
  private static final List<String> ALERTS = List.of("thresholds", "webhook");
  private static final List<String> REDIS_SCHEMES =
      List.of("redis", "rediss", "redis-sentinel", "redis-socket");
  private static final Duration MIN_HOLD_TTL = Duration.ofSeconds(1);
  private static final String WINDOWS =
      Arrays.stream(WindowUnit.values()).map(WindowUnit::id).collect(Collectors.joining(" | "));

  private CapsFileParser() {}

  public static CapsConfig parse(Path file) throws ConfigException {
    String source = file.toString();
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException(source, 0, 0, "", "cannot read the caps file: " + e, e);
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(source, 0, 0, "", "is not valid UTF-8; save it as UTF-8", e);
    }
    return parse(text, source);
  }

  /**
   * @param sourceName how errors name the input (usually the file name)
   */
  public static CapsConfig parse(String yaml, String sourceName) throws ConfigException {
    YamlNode root = YamlNode.read(yaml, sourceName);
    Section top = Section.of(sourceName, "", root, TOP);
    return new CapsConfig(
        store(top.section("store", STORE)),
        enforcement(top.section("enforcement", ENFORCEMENT)),
        pricing(top.section("pricing", PRICING)),
        caps(top),
        alerts(top.section("alerts", ALERTS)));
  }

  /**
   * What {@code serve} runs on without {@code --config}: memory store in {@code ./llmcap-data},
   * bundled prices, and one permissive demo cap ({@value #DEMO_CAP_NAME}, $100 per UTC day,
   * enforced) so that the fuse visibly works before anyone writes a caps file.
   */
  public static CapsConfig embeddedDefault() {
    CapDefinition demo = new CapDefinition(
        DEMO_CAP_NAME, 100 * NanoUsd.PER_USD, WindowUnit.DAY, ZoneOffset.UTC, Per.NONE,
        CapMatch.ALL, CapAction.ENFORCE);
    return new CapsConfig(StoreConfig.defaults(), EnforcementConfig.defaults(),
        PricingConfig.defaults(), List.of(demo), AlertsConfig.defaults());
  }

  private static StoreConfig store(Section s) throws ConfigException {
    StoreConfig.Type type = s.choice("type", StoreConfig.Type.class, StoreConfig.Type.MEMORY);
    StoreConfig.FailureMode onFailure =
        s.choice("onFailure", StoreConfig.FailureMode.class, StoreConfig.FailureMode.CLOSED);
    Duration holdTtl = s.duration("holdTtl", StoreConfig.DEFAULT_HOLD_TTL);
    if (holdTtl.compareTo(MIN_HOLD_TTL) < 0) {
      throw s.error("holdTtl", "must be at least 1s (a hold shorter than a call would charge "
          + "calls still running)");
    }
    Duration timeout = s.duration("timeout", StoreConfig.DEFAULT_TIMEOUT);
    if (timeout.compareTo(Duration.ofMillis(10)) < 0 || timeout.compareTo(Duration.ofSeconds(1)) > 0) {
      throw s.error("timeout", "must be between 10ms and 1s: each of a call's store round trips must answer well "
          + "inside Envoy's ext_proc message_timeout (2s in the shipped config)");
    }
    // The design's own example lists every field under type: memory, so settings of the other
    // store type are kept but unused rather than refused.
    String path = s.string("path", null);
    Path journalDir = path != null ? Path.of(path)
        : type == StoreConfig.Type.MEMORY ? StoreConfig.DEFAULT_PATH : null;
    String uri = s.string("uri", null);
    List<String> nodes = new ArrayList<>();
    List<YamlNode> nodeItems = s.list("nodes");
    for (int i = 0; i < nodeItems.size(); i++) {
      YamlNode item = nodeItems.get(i);
      String nodePath = s.path("nodes") + "[" + i + "]";
      if (!(item instanceof YamlNode.Scalar sc) || sc.isNull()) {
        throw Section.at(s.source(), item, nodePath, "must be a Redis URI, got " + item.describe());
      }
      checkRedisUri(sc.text(), List.of("redis", "rediss"), problem ->
          Section.at(s.source(), item, nodePath, problem));
      nodes.add(sc.text());
    }
    if (uri != null && !nodes.isEmpty()) {
      throw s.error("nodes", "set either uri (standalone or sentinel) or nodes (cluster), not both");
    }
    if (type == StoreConfig.Type.REDIS && uri == null && nodes.isEmpty()) {
      throw s.missing("uri", "type: redis needs uri: redis://host:6379 or nodes: [...] for a cluster");
    }
    if (uri != null) {
      checkRedisUri(uri, REDIS_SCHEMES, problem -> s.error("uri", problem));
    }
    return new StoreConfig(type, journalDir, uri, nodes, onFailure, holdTtl, timeout);
  }

  private interface ErrorAt {
    ConfigException at(String problem);
  }

  private static void checkRedisUri(String text, List<String> schemes, ErrorAt error)
      throws ConfigException {
    String scheme;
    try {
      scheme = new URI(text.trim()).getScheme();
    } catch (URISyntaxException e) {
      throw error.at("is not a valid URI (" + e.getReason() + "): \"" + text + "\"");
    }
    if (scheme == null || !schemes.contains(scheme.toLowerCase(Locale.ROOT))) {
      throw error.at("must start with " + schemes.stream().map(x -> x + "://")
          .collect(Collectors.joining(", ")) + ", got \"" + text + "\"");
    }
  }

  private static EnforcementConfig enforcement(Section s) throws ConfigException {
    EnforcementConfig.Mode mode =
        s.choice("mode", EnforcementConfig.Mode.class, EnforcementConfig.Mode.STRICT);
    EnforcementConfig.OverBudget overBudget = s.choice(
        "overBudget", EnforcementConfig.OverBudget.class, EnforcementConfig.OverBudget.DENY);
    long minOutputTokens =
        s.positiveLong("minOutputTokens", EnforcementConfig.DEFAULT_MIN_OUTPUT_TOKENS);
    return new EnforcementConfig(mode, overBudget, minOutputTokens, unknownModel(s));
  }

  private static UnknownModelPolicy unknownModel(Section s) throws ConfigException {
    YamlNode node = s.get("unknownModel");
    if (node == null) {
      return UnknownModelPolicy.DENY;
    }
    String hint = "must be deny or a price such as {inputPerMTok: 5.0, outputPerMTok: 15.0}";
    if (node instanceof YamlNode.Scalar sc) {
      if (sc.text().trim().equalsIgnoreCase("deny")) {
        return UnknownModelPolicy.DENY;
      }
      throw s.error("unknownModel", hint + ", got " + sc.describe());
    }
    if (!(node instanceof YamlNode.Mapping)) {
      throw s.error("unknownModel", hint + ", got " + node.describe());
    }
    Section price = s.section("unknownModel", UNKNOWN_MODEL_PRICE);
    BigDecimal in = price(price, "inputPerMTok");
    BigDecimal out = price(price, "outputPerMTok");
    if (in == null) {
      throw price.missing("inputPerMTok", "a fallback price needs inputPerMTok and outputPerMTok");
    }
    if (out == null) {
      throw price.missing("outputPerMTok", "a fallback price needs inputPerMTok and outputPerMTok");
    }
    return new UnknownModelPolicy.Price(in, out);
  }

  private static BigDecimal price(Section s, String key) throws ConfigException {
    BigDecimal value = s.decimal(key,
        "must be a price in US dollars per million tokens (a number, e.g. 0.15)");
    if (value != null && value.signum() < 0) {
      throw s.error(key, "must not be negative, got " + value.toPlainString());
    }
    return value;
  }

  private static PricingConfig pricing(Section s) throws ConfigException {
    String catalog = s.string("catalog", PricingConfig.BUNDLED);
    List<PriceOverride> overrides = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    List<YamlNode> items = s.list("overrides");
    for (int i = 0; i < items.size(); i++) {
      Section o = Section.of(s.source(), s.path("overrides") + "[" + i + "]", items.get(i), OVERRIDE);
      String model = o.requiredString("model", "name the model id the override prices");
      Integer earlier = seen.put(model, i);
      if (earlier != null) {
        throw o.error("model", "\"" + model + "\" already has an override (overrides[" + earlier
            + "]); keep one per model");
      }
      Long maxIn = o.has("maxInputTokens") ? o.positiveLong("maxInputTokens", 0) : null;
      Long maxOut = o.has("maxOutputTokens") ? o.positiveLong("maxOutputTokens", 0) : null;
      overrides.add(new PriceOverride(model, price(o, "inputPerMTok"), price(o, "outputPerMTok"),
          price(o, "cacheReadPerMTok"), price(o, "cacheWritePerMTok"),
          price(o, "cacheWrite1hPerMTok"), price(o, "reasoningPerMTok"), maxIn, maxOut));
    }
    Map<String, String> deployments = new LinkedHashMap<>();
    s.stringMap("deployments").forEach((name, entry) ->
        deployments.put(name, ((YamlNode.Scalar) entry.value()).text()));
    return new PricingConfig(catalog, overrides, deployments);
  }

  private static List<CapDefinition> caps(Section top) throws ConfigException {
    List<YamlNode> items = top.list("caps");
    List<CapDefinition> caps = new ArrayList<>(items.size());
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      Section c = Section.of(top.source(), "caps[" + i + "]", items.get(i), CAP);
      String name = c.requiredString("name", "give every cap a unique name, e.g. name: org-daily");
      if (!CapDefinition.NAME.matcher(name).matches()) {
        throw c.error("name", "must be 1-100 letters, digits, '.', '_' or '-' starting with a "
            + "letter or digit, got \"" + name + "\"");
      }
      Integer earlier = names.put(name, i);
      if (earlier != null) {
        throw c.error("name", "\"" + name + "\" is already the name of caps[" + earlier
            + "]; cap names must be unique");
      }
      long limit = limitNanos(c);
      String windowText = c.requiredString("window", "one of " + WINDOWS);
      WindowUnit window = WindowUnit.fromId(windowText).orElseThrow(() ->
          c.error("window", "must be one of " + WINDOWS + ", got \"" + windowText + "\""));
      ZoneId zone = zone(c);
      Per per = Per.NONE;
      String perText = c.string("per", null);
      if (perText != null) {
        try {
          per = Per.parse(perText);
        } catch (IllegalArgumentException e) {
          throw c.error("per", e.getMessage());
        }
      }
      CapMatch match = match(c.section("match", MATCH));
      CapAction action = c.choice("action", CapAction.class, CapAction.ENFORCE);
      caps.add(new CapDefinition(name, limit, window, zone, per, match, action));
    }
    return caps;
  }

  private static long limitNanos(Section c) throws ConfigException {
    String problem = "must be a positive dollar amount";
    String fix = " (write it as a number, e.g. 50 or 12.5)";
    YamlNode node = c.get("limitUsd");
    if (node == null) {
      throw c.missing("limitUsd", "the cap's limit in US dollars, e.g. limitUsd: 50");
    }
    BigDecimal usd = node instanceof YamlNode.Scalar sc ? Section.parseDecimal(sc) : null;
    if (usd == null || usd.signum() <= 0) {
      throw c.error("limitUsd", problem + ", got " + node.describe() + fix);
    }
    try {
      return NanoUsd.fromUsd(usd, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw c.error("limitUsd", usd.stripTrailingZeros().scale() > 9
          ? "has more than 9 decimals; amounts are kept in nano-dollars, got " + node.describe()
          : "is too large, got " + node.describe());
    }
  }

  private static ZoneId zone(Section c) throws ConfigException {
    String text = c.string("timezone", null);
    if (text == null) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(text.trim()).normalized();
    } catch (DateTimeException e) {
      throw c.error("timezone", "must be a time zone id such as UTC, Europe/Paris or "
          + "America/New_York, got \"" + text + "\"");
    }
  }

  private static CapMatch match(Section m) throws ConfigException {
    String provider = m.string("provider", null);
    if (provider != null && Provider.fromId(provider).isEmpty()) {
      // A misspelt provider would match nothing, leaving the cap silently unenforced.
      TreeSet<String> known = new TreeSet<>();
      for (Provider p : Provider.values()) {
        known.add(p.id());
      }
      throw m.error("provider", "must be one of " + String.join(" | ", known) + ", got \""
          + provider + "\"");
    }
    String model = m.string("model", null);
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, YamlNode.Entry> e : m.stringMap("header").entrySet()) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (headers.put(name, ((YamlNode.Scalar) e.getValue().value()).text()) != null) {
        throw Section.at(m.source(), e.getValue().value(), m.path("header") + "." + e.getKey(),
            "header names ignore case; \"" + name + "\" is given twice");
      }
    }
    return new CapMatch(provider == null ? null : provider.trim(), model, headers);
  }

  private static AlertsConfig alerts(Section s) throws ConfigException {
    AlertsConfig fallback = AlertsConfig.defaults();
    List<BigDecimal> thresholds = fallback.thresholds();
    if (s.has("thresholds")) {
      List<YamlNode> items = s.list("thresholds");
      thresholds = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        YamlNode item = items.get(i);
        BigDecimal t = item instanceof YamlNode.Scalar sc ? Section.parseDecimal(sc) : null;
        if (t == null || t.signum() <= 0) {
          throw Section.at(s.source(), item, s.path("thresholds") + "[" + i + "]",
              "must be a fraction of the limit above zero (0.8 = 80%), got " + item.describe());
        }
        thresholds.add(t);
      }
      thresholds = thresholds.stream().distinct().sorted().toList();
    }
    URI webhook = null;
    String hook = s.string("webhook", null);
    if (hook != null) {
      try {
        webhook = new URI(hook.trim());
      } catch (URISyntaxException e) {
        throw s.error("webhook", "is not a valid URL (" + e.getReason() + ")");
      }
      String scheme = webhook.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
          || webhook.getHost() == null) {
        throw s.error("webhook", "must be an http:// or https:// URL, got \"" + hook + "\"");
      }
    }
    return new AlertsConfig(thresholds, webhook);
  }
}
