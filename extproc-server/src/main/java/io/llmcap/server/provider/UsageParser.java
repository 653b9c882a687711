package io.llmcap.server.provider;

/**
 * Reads the usage of one response incrementally. Chunks may split JSON values, SSE lines or
 * events at any byte; the parser buffers what it needs. Not thread-safe: one per call, fed in
 * order.
 */
public interface UsageParser {

  /** The upstream status and content type, before any body chunk. */
  void onResponseHeaders(int status, String contentType);

  /** The next piece of the (already decompressed) response body. */
  void onBody(byte[] chunk);

  /** The body ended normally. */
  void onEnd();

  /** What has been observed so far; callable at any time (a cut stream settles from it). */
  UsageSnapshot snapshot();
}
