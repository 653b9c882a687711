package io.llmcap.pricing;

/**
 * A usage (or a bound) needs a rate the model's entry does not have, or its cost does not fit a
 * {@code long} of nano-dollars. A missing rate is never read as free: the operator fills it with
 * a {@code pricing.overrides} entry.
 */
public final class UnpriceableUsageException extends PricingException {
  private static final long serialVersionUID = 1L;

  public UnpriceableUsageException(String message) {
    super(message);
  }

  public UnpriceableUsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
