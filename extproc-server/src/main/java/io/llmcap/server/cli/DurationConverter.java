package io.llmcap.server.cli;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;

/** Accepts {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601 ({@code PT30S}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("pt")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new CommandLine.TypeConversionException("'" + value + "': use 30s, 5m or 1h");
      };
    } catch (RuntimeException e) {
      if (e instanceof CommandLine.TypeConversionException t) {
        throw t;
      }
      throw new CommandLine.TypeConversionException("'" + value + "' is not a duration: use 30s, 5m or 1h");
    }
  }
}
