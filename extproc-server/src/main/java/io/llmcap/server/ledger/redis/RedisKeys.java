package io.llmcap.server.ledger.redis;

import io.llmcap.server.cap.CapInstance;

/**
 * Key names of one ledger. Every key carries the same hash tag, {@code {<ledger>}}, so every key
 * of the ledger sits in one Redis Cluster slot: a call's caps can have any names and subjects
 * (an org-wide cap and a per-service cap in one decision), and an expired hold charges every cap
 * it touched, so no narrower tag could keep one script's keys together. The consequence (one
 * primary carries the whole ledger) is documented in the README.
 */
final class RedisKeys {
  private final String prefix;

  RedisKeys(String ledgerName) {
    if (ledgerName == null || ledgerName.isEmpty() || ledgerName.contains("{")
        || ledgerName.contains("}")) {
      throw new IllegalArgumentException(
          "the ledger name must be non-empty and free of braces, got '" + ledgerName + "'");
    }
    this.prefix = "{" + ledgerName + "}:";
  }

  /** Prefix handed to the scripts, which derive hold and ended-marker keys from call ids. */
  String prefix() {
    return prefix;
  }

  String holds() {
    return prefix + "holds";
  }

  String capIndex() {
    return prefix + "caps";
  }

  String cap(CapInstance cap) {
    return prefix + "c:" + cap.key();
  }

  String hold(String callId) {
    return prefix + "h:" + callId;
  }

  String ended(String callId) {
    return prefix + "e:" + callId;
  }
}
