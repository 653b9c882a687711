package io.llmcap.server.cap;

import java.time.Instant;
import java.time.ZoneId;
import java.util.regex.Pattern;

/**
 * One cap from the caps file.
 *
 * @param name unique, letters, digits, {@code .}, {@code _} and {@code -} (it appears in storage
 *     keys, metric labels and response headers)
 * @param limitNanos the limit in nano-dollars, positive
 * @param zone the time zone whose calendar the window follows
 * @param per what the cap keeps one counter per ({@link Per#NONE}: one counter)
 * @param match which calls the cap applies to ({@link CapMatch#ALL}: every call)
 */
public record CapDefinition(
    String name,
    long limitNanos,
    WindowUnit window,
    ZoneId zone,
    Per per,
    CapMatch match,
    CapAction action) {

  /** Allowed cap names, as a regular expression. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  public CapDefinition {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a cap name is 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit; got "
              + name);
    }
    if (limitNanos <= 0) {
      throw new IllegalArgumentException("cap " + name + ": limit must be positive");
    }
    if (window == null || zone == null || per == null || match == null || action == null) {
      throw new IllegalArgumentException("cap " + name + ": window, zone, per, match and action are required");
    }
  }

  /** True when the cap cannot be decided without the model (its match or per uses it). */
  public boolean dependsOnModel() {
    return per.dependsOnModel() || match.dependsOnModel();
  }

  /** The counter this call draws from at {@code now}. */
  public CapInstance instanceFor(CallAttributes call, Instant now) {
    return instanceFor(call, now, limitNanos);
  }

  /** The counter this call draws from at {@code now}, under a limit other than the caps file's (an override). */
  public CapInstance instanceFor(CallAttributes call, Instant now, long effectiveLimitNanos) {
    WindowUnit.WindowBounds bounds = window.boundsAt(now, zone);
    return new CapInstance(
        name, per.subjectOf(call), window.id(), bounds.start(), bounds.end(), effectiveLimitNanos, action);
  }
}
