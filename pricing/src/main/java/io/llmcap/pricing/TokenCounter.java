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
}
