package io.llmcap.server.extproc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * Makes a response body readable for metering. LLMCap removes {@code accept-encoding} from
 * requests so providers answer uncompressed; a response that is compressed anyway (gzip or
 * deflate) is collected and decoded at its end, where the usage report is. Encodings we cannot
 * decode make the call unmeterable, and it is then settled conservatively.
 */
final class ResponseBodyDecoder {
  /** Upper bound on compressed bytes kept for decoding; beyond it the call is settled conservatively. */
  static final int MAX_COMPRESSED_BYTES = 32 * 1024 * 1024;

  enum Encoding { IDENTITY, GZIP, DEFLATE, UNSUPPORTED }

  private final Encoding encoding;
  private ByteArrayOutputStream compressed;
  private boolean overflow;

  ResponseBodyDecoder(String contentEncoding) {
    this.encoding = parse(contentEncoding);
  }

  static Encoding parse(String contentEncoding) {
    if (contentEncoding == null || contentEncoding.isBlank()) {
      return Encoding.IDENTITY;
    }
    return switch (contentEncoding.trim().toLowerCase(Locale.ROOT)) {
      case "identity" -> Encoding.IDENTITY;
      case "gzip", "x-gzip" -> Encoding.GZIP;
      case "deflate" -> Encoding.DEFLATE;
      default -> Encoding.UNSUPPORTED;
    };
  }

  Encoding encoding() {
    return encoding;
  }

  boolean passThrough() {
    return encoding == Encoding.IDENTITY;
  }

  /** Keeps a compressed chunk for decoding at the end; false once the body is too large to keep. */
  boolean collect(byte[] chunk) {
    if (overflow || encoding == Encoding.UNSUPPORTED) {
      return false;
    }
    if (compressed == null) {
      compressed = new ByteArrayOutputStream();
    }
    if (compressed.size() + chunk.length > MAX_COMPRESSED_BYTES) {
      overflow = true;
      compressed = null;
      return false;
    }
    compressed.writeBytes(chunk);
    return true;
  }

  /** The decoded body, or null when it cannot be decoded (unsupported, too large, corrupt). */
  byte[] decodeAll() {
    if (overflow || encoding == Encoding.UNSUPPORTED) {
      return null;
    }
    byte[] raw = compressed == null ? new byte[0] : compressed.toByteArray();
    try (InputStream in = encoding == Encoding.GZIP
        ? new GZIPInputStream(new ByteArrayInputStream(raw))
        : new InflaterInputStream(new ByteArrayInputStream(raw))) {
      return in.readNBytes(MAX_COMPRESSED_BYTES * 4);
    } catch (IOException e) {
      return null;
    }
  }
}
