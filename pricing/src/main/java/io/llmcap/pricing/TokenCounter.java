package io.llmcap.pricing;

/** Bounds of the number of input tokens a text costs on one model. Thread-safe. */
public interface TokenCounter {
  /** A provable upper bound: never below what the provider counts for this text. */
  long upperBound(CharSequence text);

  /** The best estimate (for {@code enforcement.mode: estimate}). */
  long estimate(CharSequence text);

  /** True when {@link #upperBound} is the exact count (the model's own BPE encoding). */
  boolean exact();

  /** The encoding or method, e.g. {@code "o200k_base"} or {@code "utf8-bytes"}. */
  String name();

  /**
   * A counter whose {@link #upperBound} is cheap (one pass over the chars, no allocation) and
   * never below this counter's: itself when its bound is already cheap. An exact BPE count costs
   * tens of microseconds per kilobyte; its quick bound (the UTF-8 byte bound) costs nanoseconds,
   * at the price of a looser bound (about four times the exact count on English prose).
   */
  default TokenCounter quickBound() {
    return this;
  }
}
