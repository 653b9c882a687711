package io.llmcap.pricing;

/**
 * No catalog entry and no override prices the model a call named. The message names the model and
 * the route, and tells the operator how to add a price.
 */
public final class UnknownModelException extends PricingException {
  private static final long serialVersionUID = 1L;

  private final PriceRoute route;
  private final String model;

  public UnknownModelException(PriceRoute route, String model, String message) {
    super(message);
    this.route = route;
    this.model = model;
  }

  public PriceRoute route() {
    return route;
  }

  public String model() {
    return model;
  }
}
