package io.llmcap.server.config;

/**
 * How calls are bounded and what happens when one does not fit ({@code enforcement:}).
 *
 * @param minOutputTokens clamping never lowers a call's output limit below this
 */
public record EnforcementConfig(
    Mode mode, OverBudget overBudget, long minOutputTokens, UnknownModelPolicy unknownModel) {

  public static final long DEFAULT_MIN_OUTPUT_TOKENS = 256;

  public enum Mode {
    /** Reserve a proven upper bound: no overshoot. */
    STRICT,
    /** Reserve an estimate: fewer early denials, overshoot bounded by one call's error. */
    ESTIMATE
  }

  public enum OverBudget {
    DENY,
    /** Lower the call's output limit to what the budget affords, if at least minOutputTokens. */
    CLAMP
  }

  public static EnforcementConfig defaults() {
    return new EnforcementConfig(
        Mode.STRICT, OverBudget.DENY, DEFAULT_MIN_OUTPUT_TOKENS, UnknownModelPolicy.DENY);
  }
}
