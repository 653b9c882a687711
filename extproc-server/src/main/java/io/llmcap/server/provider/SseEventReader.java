package io.llmcap.server.provider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a server-sent-event stream into events, whatever the chunking: a line, a CRLF pair or a
 * multi-byte character may be cut between two chunks. Lines end with LF, CRLF or CR (the SSE
 * rules; Gemini uses CRLF). Not thread-safe.
 */
public final class SseEventReader {

  /** One dispatched event: the {@code event:} name (null when unnamed) and the joined data. */
  public record SseEvent(String event, String data) {}

  private final Consumer<SseEvent> sink;
  private final int maxLineBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private boolean skipLf;
  private boolean overflow;
  private String eventName;
  private StringBuilder data;

  /**
   * @param maxLineBytes longest line kept; a longer one makes {@link #overflowed()} true and stops
   *     reading, so a broken upstream cannot exhaust memory
   */
  public SseEventReader(Consumer<SseEvent> sink, int maxLineBytes) {
    this.sink = sink;
    this.maxLineBytes = maxLineBytes;
  }

  public void feed(byte[] chunk) {
    for (byte b : chunk) {
      if (overflow) {
        return;
      }
      if (skipLf) {
        skipLf = false;
        if (b == '\n') {
          continue;
        }
      }
      if (b == '\n' || b == '\r') {
        skipLf = b == '\r';
        endLine();
      } else if (line.size() >= maxLineBytes) {
        overflow = true;
      } else {
        line.write(b);
      }
    }
  }

  /**
   * The stream ended. An event still being assembled is dispatched: a stream that lost its final
   * blank line still told us what it said, and for billing more observed usage is never worse.
   */
  public void end() {
    if (overflow) {
      return;
    }
    if (line.size() > 0) {
      endLine();
    }
    dispatch();
  }

  /** True when a line exceeded the limit; no further events are dispatched. */
  public boolean overflowed() {
    return overflow;
  }

  private void endLine() {
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "event" -> eventName = value;
      case "data" -> {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
      default -> {
        // id, retry and unknown fields carry nothing about usage.
      }
    }
  }

  private void dispatch() {
    if (data != null) {
      sink.accept(new SseEvent(eventName, data.toString()));
    }
    data = null;
    eventName = null;
  }
}
