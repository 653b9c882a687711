package io.llmcap.pricing;

/** A price catalog, an override or a usage could not be turned into a price. */
public class PricingException extends Exception {
  private static final long serialVersionUID = 1L;

  public PricingException(String message) {
    super(message);
  }

  public PricingException(String message, Throwable cause) {
    super(message, cause);
  }
}
