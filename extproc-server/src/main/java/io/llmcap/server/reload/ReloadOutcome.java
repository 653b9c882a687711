package io.llmcap.server.reload;

/** What one look at the caps file did. */
public enum ReloadOutcome {
  /** Same bytes as the caps in force: nothing to do. */
  UNCHANGED,
  /** The new file is in force for calls starting from now on. */
  APPLIED,
  /** The new file was refused; the last good caps stay in force. */
  REFUSED
}
