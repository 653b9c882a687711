package io.llmcap.server.provider;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a server-sent-event stream into events, whatever the chunking: a line, a CRLF pair or a
 * multi-byte character may be cut between two chunks. Lines end with LF, CRLF or CR (the SSE
 * rules; Gemini uses CRLF). Not thread-safe.
 *
 * <p>Every chunk of a streamed response passes through here, so a line is copied in runs up to the
 * next line end into a plain buffer, not byte by byte into a (synchronized) ByteArrayOutputStream.
 */
public final class SseEventReader {

  /** One dispatched event: the {@code event:} name (null when unnamed) and the joined data. */
  public record SseEvent(String event, String data) {}

  private final Consumer<SseEvent> sink;
  private final int maxLineBytes;
  private byte[] line = new byte[256];
  private int lineLength;
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
    int i = 0;
    int n = chunk.length;
    while (i < n && !overflow) {
      if (skipLf) {
        skipLf = false;
        if (chunk[i] == '\n') {
          i++;
          continue;
        }
      }
      int end = i;
      while (end < n && chunk[end] != '\n' && chunk[end] != '\r') {
        end++;
      }
      if (!append(chunk, i, end - i)) {
        overflow = true;
        return;
      }
      if (end == n) {
        return;
      }
      skipLf = chunk[end] == '\r';
      endLine();
      i = end + 1;
    }
  }

  /** Adds to the current line; false when that would make it longer than {@code maxLineBytes}. */
  private boolean append(byte[] bytes, int from, int count) {
    if (count > maxLineBytes - lineLength) {
      return false;
    }
    if (lineLength + count > line.length) {
      line = java.util.Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, lineLength + count)));
    }
    System.arraycopy(bytes, from, line, lineLength, count);
    lineLength += count;
    return true;
  }

  /**
   * The stream ended. An event still being assembled is dispatched: a stream that lost its final
   * blank line still told us what it said, and for billing more observed usage is never worse.
   */
  public void end() {
    if (overflow) {
      return;
    }
    if (lineLength > 0) {
      endLine();
    }
    dispatch();
  }

  /** True when a line exceeded the limit; no further events are dispatched. */
  public boolean overflowed() {
    return overflow;
  }

  private void endLine() {
    String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
    lineLength = 0;
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
