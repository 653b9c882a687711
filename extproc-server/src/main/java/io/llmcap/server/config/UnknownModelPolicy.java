package io.llmcap.server.config;

import java.math.BigDecimal;

/** What to do with a call for a model the price catalog does not know. */
public sealed interface UnknownModelPolicy {

  /** Refuse the call: it cannot be bounded, so letting it through could break the cap. */
  record Deny() implements UnknownModelPolicy {}

  /** Price it at this fallback rate (US dollars per million tokens, exact). */
  record Price(BigDecimal inputPerMTok, BigDecimal outputPerMTok) implements UnknownModelPolicy {
    public Price {
      if (inputPerMTok == null || outputPerMTok == null) {
        throw new IllegalArgumentException("a fallback price needs inputPerMTok and outputPerMTok");
      }
      if (inputPerMTok.signum() < 0 || outputPerMTok.signum() < 0) {
        throw new IllegalArgumentException("a fallback price must not be negative");
      }
    }
  }

  UnknownModelPolicy DENY = new Deny();
}
