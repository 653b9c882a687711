package io.llmcap.server.provider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * Splits an AWS event stream ({@code application/vnd.amazon.eventstream}, used by Bedrock's
 * ConverseStream and InvokeModelWithResponseStream) into messages, whatever the chunking.
 *
 * <p>Each message is: total length (4 bytes, big-endian), headers length (4), CRC32 of those 8
 * bytes (4), headers, payload, CRC32 of everything before it (4). A header is a 1-byte name
 * length, the name, a 1-byte value type and the value. Both CRCs are checked: a message that
 * fails either, or a length that cannot be right, stops decoding with a {@link #failure()}, since
 * a stream we cannot trust cannot be priced from. Not thread-safe.
 */
public final class EventStreamDecoder {

  /** One decoded message: its string headers ({@code :event-type}, …) and its payload. */
  public record Message(Map<String, String> headers, byte[] payload) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** Prelude (12) + message CRC (4): the smallest message. */
  private static final int MIN_MESSAGE = 16;
  /** AWS caps an event-stream message at 16 MiB; anything larger is a broken stream. */
  public static final int MAX_MESSAGE = 16 * 1024 * 1024;

  private final Consumer<Message> sink;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private String failure;
  /** Bytes the message being buffered needs before it can be decoded: no copying until then. */
  private long needed = 12;

  public EventStreamDecoder(Consumer<Message> sink) {
    this.sink = sink;
  }

  public void feed(byte[] chunk) {
    if (failure != null) {
      return;
    }
    pending.write(chunk, 0, chunk.length);
    if (pending.size() < needed) {
      return;
    }
    byte[] buffer = pending.toByteArray();
    needed = 12;
    int offset = 0;
    while (failure == null && buffer.length - offset >= 12) {
      long total = readInt(buffer, offset) & 0xFFFFFFFFL;
      long headersLength = readInt(buffer, offset + 4) & 0xFFFFFFFFL;
      if (crc(buffer, offset, 8) != (readInt(buffer, offset + 8) & 0xFFFFFFFFL)) {
        fail("event stream message has a bad prelude CRC");
        return;
      }
      if (total < MIN_MESSAGE || total > MAX_MESSAGE || headersLength > total - MIN_MESSAGE) {
        fail("event stream message has an impossible length " + total);
        return;
      }
      if (buffer.length - offset < total) {
        needed = total;
        break;
      }
      int end = offset + (int) total;
      if (crc(buffer, offset, (int) total - 4) != (readInt(buffer, end - 4) & 0xFFFFFFFFL)) {
        fail("event stream message has a bad message CRC");
        return;
      }
      Map<String, String> headers = headers(buffer, offset + 12, (int) headersLength);
      if (headers == null) {
        fail("event stream message has malformed headers");
        return;
      }
      int payloadStart = offset + 12 + (int) headersLength;
      sink.accept(new Message(headers, Arrays.copyOfRange(buffer, payloadStart, end - 4)));
      offset = end;
    }
    pending.reset();
    pending.write(buffer, offset, buffer.length - offset);
  }

  /** The stream ended; a message cut short is a failure. */
  public void end() {
    if (failure == null && pending.size() > 0) {
      fail("event stream ends inside a message");
    }
  }

  /** Why decoding stopped, or null. */
  public String failure() {
    return failure;
  }

  private void fail(String reason) {
    failure = reason;
    pending.reset();
  }

  /** String headers by name; other value types are skipped by their size. Null if malformed. */
  private static Map<String, String> headers(byte[] b, int start, int length) {
    Map<String, String> headers = new HashMap<>();
    int i = start;
    int end = start + length;
    while (i < end) {
      int nameLength = b[i++] & 0xFF;
      if (i + nameLength + 1 > end) {
        return null;
      }
      String name = new String(b, i, nameLength, StandardCharsets.UTF_8);
      i += nameLength;
      int type = b[i++] & 0xFF;
      int size;
      switch (type) {
        case 0, 1 -> size = 0; // boolean true / false
        case 2 -> size = 1;
        case 3 -> size = 2;
        case 4 -> size = 4;
        case 5, 8 -> size = 8; // long, timestamp
        case 9 -> size = 16; // uuid
        case 6, 7 -> {
          if (i + 2 > end) {
            return null;
          }
          size = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
          i += 2;
        }
        default -> {
          return null;
        }
      }
      if (i + size > end) {
        return null;
      }
      if (type == 7) {
        headers.put(name, new String(b, i, size, StandardCharsets.UTF_8));
      }
      i += size;
    }
    return headers;
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }

  private static long crc(byte[] b, int offset, int length) {
    CRC32 crc = new CRC32();
    crc.update(b, offset, length);
    return crc.getValue();
  }

  /** Encodes one message with string headers: for tests and fixtures. */
  public static byte[] encode(Map<String, String> headers, byte[] payload) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    headers.forEach((name, value) -> {
      byte[] n = name.getBytes(StandardCharsets.UTF_8);
      byte[] v = value.getBytes(StandardCharsets.UTF_8);
      h.write(n.length);
      h.write(n, 0, n.length);
      h.write(7);
      h.write(v.length >> 8);
      h.write(v.length & 0xFF);
      h.write(v, 0, v.length);
    });
    byte[] headerBytes = h.toByteArray();
    int total = 12 + headerBytes.length + payload.length + 4;
    byte[] out = new byte[total];
    writeInt(out, 0, total);
    writeInt(out, 4, headerBytes.length);
    writeInt(out, 8, (int) crc(out, 0, 8));
    System.arraycopy(headerBytes, 0, out, 12, headerBytes.length);
    System.arraycopy(payload, 0, out, 12 + headerBytes.length, payload.length);
    writeInt(out, total - 4, (int) crc(out, 0, total - 4));
    return out;
  }

  private static void writeInt(byte[] b, int at, int value) {
    b[at] = (byte) (value >>> 24);
    b[at + 1] = (byte) (value >>> 16);
    b[at + 2] = (byte) (value >>> 8);
    b[at + 3] = (byte) value;
  }
}
