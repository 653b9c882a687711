package io.llmcap.server.cap;

import java.util.Locale;

/**
 * A model-name pattern where {@code *} stands for any run of characters (e.g. {@code gpt-4*}).
 * Compiled once into literal segments and matched without regular expressions or allocation.
 * Matching ignores case: a caller writing {@code GPT-4o} must not slip past a cap on
 * {@code gpt-4*}; matching too widely only makes a cap apply more often, never less.
 */
public final class ModelGlob {
  private final String pattern;
  private final String[] segments;
  private final boolean anchoredStart;
  private final boolean anchoredEnd;

  private ModelGlob(String pattern) {
    this.pattern = pattern;
    String lower = pattern.toLowerCase(Locale.ROOT);
    this.anchoredStart = !lower.startsWith("*");
    this.anchoredEnd = !lower.endsWith("*");
    this.segments =
        java.util.Arrays.stream(lower.split("\\*")).filter(s -> !s.isEmpty()).toArray(String[]::new);
  }

  public static ModelGlob compile(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw new IllegalArgumentException("a model pattern must not be empty");
    }
    return new ModelGlob(pattern);
  }

  public String pattern() {
    return pattern;
  }

  public boolean matches(String model) {
    if (model == null) {
      return false;
    }
    String m = model.toLowerCase(Locale.ROOT);
    if (segments.length == 0) {
      return !anchoredStart || m.isEmpty(); // "*" (or "**") matches anything
    }
    int pos = 0;
    for (int i = 0; i < segments.length; i++) {
      String seg = segments[i];
      boolean last = i == segments.length - 1;
      if (i == 0 && anchoredStart) {
        if (!m.startsWith(seg)) {
          return false;
        }
        pos = seg.length();
        if (last && anchoredEnd) {
          return pos == m.length();
        }
      } else if (last && anchoredEnd) {
        return m.length() - seg.length() >= pos && m.endsWith(seg);
      } else {
        int found = m.indexOf(seg, pos);
        if (found < 0) {
          return false;
        }
        pos = found + seg.length();
      }
    }
    return !anchoredEnd || pos == m.length();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelGlob other && other.pattern.equals(pattern);
  }

  @Override
  public int hashCode() {
    return pattern.hashCode();
  }

  @Override
  public String toString() {
    return pattern;
  }
}
