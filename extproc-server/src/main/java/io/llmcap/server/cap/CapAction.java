package io.llmcap.server.cap;

/** What a cap does when a call does not fit. */
public enum CapAction {
  /** Deny the call (the default). */
  ENFORCE,
  /** Decide and report, never deny: shows what a new cap would block before it is switched on. */
  SHADOW
}
