package io.llmcap.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money as a {@code long} count of nano-dollars (10<sup>-9</sup> USD).
 *
 * <p>Every amount LLMCap stores, compares or exports is an integer number of nano-dollars: a
 * binary {@code double} cannot hold $0.005302 exactly, and a cap that is compared in floating
 * point can let a call through that the integer ledger would deny. Arithmetic helpers here fail
 * loudly on overflow instead of wrapping.
 */
public final class NanoUsd {
  /** Nano-dollars in one dollar. */
  public static final long PER_USD = 1_000_000_000L;

  private NanoUsd() {}

  /** Exact dollars to nano-dollars; refuses amounts with more than nine decimals unless rounded. */
  public static long fromUsd(BigDecimal usd, RoundingMode rounding) {
    return usd.movePointRight(9).setScale(0, rounding).longValueExact();
  }

  /** Parses a decimal dollar string such as {@code "12.5"} exactly (no binary floating point). */
  public static long parseUsd(String usd) {
    return fromUsd(new BigDecimal(usd.trim()), RoundingMode.UNNECESSARY);
  }

  /** Formats as dollars with all nine decimals, e.g. {@code 1234567890 -> "1.234567890"}. */
  public static String format(long nanos) {
    return BigDecimal.valueOf(nanos, 9).toPlainString();
  }

  /** Formats as dollars rounded to cents for human messages, e.g. {@code "$1.23"}. */
  public static String formatCents(long nanos) {
    return "$" + BigDecimal.valueOf(nanos, 9).setScale(2, RoundingMode.HALF_UP).toPlainString();
  }

  public static long add(long a, long b) {
    return Math.addExact(a, b);
  }

  /** {@code a - b}, never below zero. */
  public static long subtractFloorZero(long a, long b) {
    return Math.max(0, Math.subtractExact(a, b));
  }
}
