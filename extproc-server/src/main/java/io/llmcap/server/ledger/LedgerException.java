package io.llmcap.server.ledger;

/** The store could not answer (unreachable, timed out, corrupt). Decisions then follow {@code store.onFailure}. */
public class LedgerException extends Exception {
  public LedgerException(String message) {
    super(message);
  }

  public LedgerException(String message, Throwable cause) {
    super(message, cause);
  }
}
