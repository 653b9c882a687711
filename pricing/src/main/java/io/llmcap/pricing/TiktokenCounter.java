package io.llmcap.pricing;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Exact token counts for OpenAI models with jtokkit, the Java port of OpenAI's tiktoken.
 *
 * <p>Text is encoded as ordinary text: a prompt that contains {@code <|endoftext|>} is not a
 * special token to the API either. Encodings load lazily, once per JVM, on first use (building
 * the BPE ranks takes a noticeable time and memory).
 *
 * <p>Texts longer than {@link #EXACT_LIMIT_CHARS} are bounded by their UTF-8 length instead of
 * encoded: a byte-level BPE token always covers at least one byte, so the bound still holds, and
 * the decision time for a huge prompt stays linear and small. jtokkit needs about 0.1 µs per char
 * of English and up to 1 µs per char of text without spaces (CJK, base64), too slow for the
 * 10 ms budget of a 1 MB prompt.
 */
final class TiktokenCounter implements TokenCounter {
  /** Past this many chars the counter bounds instead of encoding (keeps a 1 MB prompt fast). */
  static final int EXACT_LIMIT_CHARS = 32 * 1024;

  static final TiktokenCounter O200K = new TiktokenCounter(EncodingType.O200K_BASE);
  static final TiktokenCounter CL100K = new TiktokenCounter(EncodingType.CL100K_BASE);

  private static final class Registry {
    static final EncodingRegistry INSTANCE = Encodings.newLazyEncodingRegistry();
  }

  private final EncodingType type;
  private volatile Encoding encoding;

  private TiktokenCounter(EncodingType type) {
    this.type = type;
  }

  /** Loads the encoding now rather than on the first request (it takes about half a second). */
  void load() {
    encoding();
  }

  private Encoding encoding() {
    Encoding e = encoding;
    if (e == null) {
      synchronized (this) {
        e = encoding;
        if (e == null) {
          e = Registry.INSTANCE.getEncoding(type);
          encoding = e;
        }
      }
    }
    return e;
  }

  @Override
  public long upperBound(CharSequence text) {
    if (text.length() == 0) {
      return 0;
    }
    if (text.length() > EXACT_LIMIT_CHARS) {
      return utf8Length(text);
    }
    return encoding().countTokensOrdinary(text.toString());
  }

  @Override
  public long estimate(CharSequence text) {
    return upperBound(text);
  }

  /** True: texts up to {@link #EXACT_LIMIT_CHARS} chars are counted exactly, longer ones bounded. */
  @Override
  public boolean exact() {
    return true;
  }

  @Override
  public String name() {
    return type.getName();
  }

  /**
   * The UTF-8 byte bound: every byte-level BPE token covers at least one byte, and tiktoken does
   * not normalize, so {@link Utf8ByteBoundCounter}'s bound (which also allows for normalization)
   * is never below the exact count.
   */
  @Override
  public TokenCounter quickBound() {
    return Utf8ByteBoundCounter.INSTANCE;
  }

  static long utf8Length(CharSequence text) {
    long bytes = 0;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < length
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3; // BMP, or an unpaired surrogate sent as U+FFFD
      }
    }
    return bytes;
  }
}
