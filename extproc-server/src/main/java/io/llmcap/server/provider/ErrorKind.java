package io.llmcap.server.provider;

/** The errors LLMCap itself answers with, mapped by each provider to its native type names. */
public enum ErrorKind {
  /** A cap is reached (HTTP 429). */
  RATE_LIMITED(429),
  /** The request cannot be priced or is malformed (HTTP 400). */
  INVALID_REQUEST(400),
  /** The body is larger than LLMCap will read (HTTP 413). */
  PAYLOAD_TOO_LARGE(413),
  /** The spend store is unreachable and the policy is fail-closed (HTTP 503). */
  UNAVAILABLE(503),
  /** A fault inside LLMCap (HTTP 500). */
  INTERNAL(500);

  private final int httpStatus;

  ErrorKind(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
