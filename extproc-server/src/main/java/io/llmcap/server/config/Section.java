package io.llmcap.server.config;

import com.fasterxml.jackson.core.JsonToken;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of the caps file with its field path, handing out typed values and turning every
 * mismatch into a {@link ConfigException} at the offending line. Unknown keys are refused on
 * construction: a misspelt key ({@code limitUSD}) silently ignored could leave a cap unenforced.
 */
final class Section {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  private final String source;
  private final String path;
  private final YamlNode.Mapping map;

  private Section(String source, String path, YamlNode.Mapping map) {
    this.source = source;
    this.path = path;
    this.map = map;
  }

  /**
   * @param node a mapping, or null (absent or empty: every field takes its default)
   * @param allowed the valid keys, in the order error messages list them
   */
  static Section of(String source, String path, YamlNode node, List<String> allowed)
      throws ConfigException {
    if (node == null || node instanceof YamlNode.Scalar s && s.isNull()) {
      return new Section(source, path, new YamlNode.Mapping(0, 0, Map.of()));
    }
    if (!(node instanceof YamlNode.Mapping mapping)) {
      throw at(source, node, path, "must be a mapping of fields (" + String.join(", ", allowed)
          + "), got " + node.describe());
    }
    for (YamlNode.Entry e : mapping.entries().values()) {
      if (!allowed.contains(e.key())) {
        throw new ConfigException(source, e.line(), e.column(), join(path, e.key()),
            "unknown field \"" + e.key() + "\"; valid fields here: " + String.join(", ", allowed));
      }
    }
    return new Section(source, path, mapping);
  }

  static ConfigException at(String source, YamlNode node, String path, String problem) {
    return new ConfigException(source, node.line(), node.column(), path, problem);
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  String source() {
    return source;
  }

  String path(String key) {
    return join(path, key);
  }

  /** The value, or null when absent or written as null/empty. */
  YamlNode get(String key) {
    YamlNode.Entry e = map.entries().get(key);
    if (e == null || e.value() instanceof YamlNode.Scalar s && s.isNull()) {
      return null;
    }
    return e.value();
  }

  boolean has(String key) {
    return get(key) != null;
  }

  ConfigException error(String key, String problem) {
    YamlNode value = get(key);
    if (value != null) {
      return at(source, value, path(key), problem);
    }
    YamlNode.Entry e = map.entries().get(key);
    if (e != null) {
      return new ConfigException(source, e.line(), e.column(), path(key), problem);
    }
    return new ConfigException(source, map.line(), map.column(), path(key), problem);
  }

  /** A field that must be present, reported at the mapping that lacks it. */
  ConfigException missing(String key, String hint) {
    return new ConfigException(
        source, map.line(), map.column(), path(key), "is required; " + hint);
  }

  Section section(String key, List<String> allowed) throws ConfigException {
    return of(source, path(key), get(key), allowed);
  }

  String string(String key, String fallback) throws ConfigException {
    YamlNode node = get(key);
    if (node == null) {
      return fallback;
    }
    if (!(node instanceof YamlNode.Scalar s)) {
      throw error(key, "must be a single value, got " + node.describe());
    }
    if (s.text().isBlank()) {
      throw error(key, "must not be blank");
    }
    return s.text();
  }

  String requiredString(String key, String hint) throws ConfigException {
    String value = string(key, null);
    if (value == null) {
      throw missing(key, hint);
    }
    return value;
  }

  /** An enum written in lower case ({@code closed}, {@code clamp}...). */
  <E extends Enum<E>> E choice(String key, Class<E> type, E fallback) throws ConfigException {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(text.trim())) {
        return constant;
      }
    }
    throw error(key, "must be one of " + choices(type) + ", got \"" + text + "\"");
  }

  static <E extends Enum<E>> String choices(Class<E> type) {
    StringBuilder sb = new StringBuilder();
    for (E constant : type.getEnumConstants()) {
      if (sb.length() > 0) {
        sb.append(" | ");
      }
      sb.append(constant.name().toLowerCase(Locale.ROOT));
    }
    return sb.toString();
  }

  /** An exact decimal from the scalar's text (never through double); null when absent. */
  BigDecimal decimal(String key, String problemIfBad) throws ConfigException {
    YamlNode node = get(key);
    if (node == null) {
      return null;
    }
    BigDecimal value = node instanceof YamlNode.Scalar s ? parseDecimal(s) : null;
    if (value == null) {
      throw error(key, problemIfBad + ", got " + node.describe());
    }
    return value;
  }

  /** Numbers, or strings holding a plain decimal; YAML's .inf/.nan and the like are refused. */
  static BigDecimal parseDecimal(YamlNode.Scalar s) {
    if (!s.isNumber() && s.token() != JsonToken.VALUE_STRING) {
      return null;
    }
    String text = s.text().trim().replace("_", "");
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A positive whole number, or {@code fallback} when absent. */
  long positiveLong(String key, long fallback) throws ConfigException {
    BigDecimal value = decimal(key, "must be a positive whole number");
    if (value == null) {
      return fallback;
    }
    try {
      long v = value.longValueExact();
      if (v > 0) {
        return v;
      }
    } catch (ArithmeticException tooBigOrFractional) {
      // reported below
    }
    throw error(key, "must be a positive whole number, got " + get(key).describe());
  }

  /** A duration written {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h} or {@code 1d}. */
  Duration duration(String key, Duration fallback) throws ConfigException {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw error(key, "must be a duration like 30s, 10m or 1h (units ms, s, m, h, d), got \""
          + text + "\"");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (d.isZero()) {
      throw error(key, "must be longer than zero, got \"" + text + "\"");
    }
    return d;
  }

  /** A list, or an empty one when absent. */
  List<YamlNode> list(String key) throws ConfigException {
    YamlNode node = get(key);
    if (node == null) {
      return List.of();
    }
    if (!(node instanceof YamlNode.Sequence seq)) {
      throw error(key, "must be a list, got " + node.describe());
    }
    return seq.items();
  }

  /** A mapping of string keys to single values, or an empty one when absent. */
  Map<String, YamlNode.Entry> stringMap(String key) throws ConfigException {
    YamlNode node = get(key);
    if (node == null) {
      return Map.of();
    }
    if (!(node instanceof YamlNode.Mapping m)) {
      throw error(key, "must be a mapping of names to values, got " + node.describe());
    }
    for (YamlNode.Entry e : m.entries().values()) {
      if (!(e.value() instanceof YamlNode.Scalar s) || s.isNull() || s.text().isBlank()) {
        throw at(source, e.value(), path(key) + "." + e.key(),
            "must be a single non-empty value, got " + e.value().describe());
      }
    }
    return m.entries();
  }
}
