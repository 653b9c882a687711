package io.llmcap.server.provider;

/** A request body LLMCap refuses to price; the message is shown to the caller, so it names the field. */
public final class InvalidRequestException extends Exception {
  public InvalidRequestException(String message) {
    super(message);
  }

  public InvalidRequestException(String message, Throwable cause) {
    super(message, cause);
  }
}
