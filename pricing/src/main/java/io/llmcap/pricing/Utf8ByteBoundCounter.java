package io.llmcap.pricing;

import java.text.Normalizer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Token bound for models whose tokenizer we do not ship (Anthropic, Gemini, Mistral, Cohere,
 * Llama and other open models).
 *
 * <p>Why it is an upper bound: these tokenizers are byte-level BPE (Claude, Llama 3, Mistral
 * Tekken, Cohere) or SentencePiece with byte fallback (Gemini/Gemma, older Llama and Mistral).
 * Every token of either kind stands for at least one byte of the text it encodes, so a text never
 * has more tokens than bytes. Two details can make the encoded text longer than the text we see:
 * SentencePiece may prepend one dummy-prefix space (+1 token per text), and a tokenizer may
 * Unicode-normalize first. NFKC/NFKD can expand a character (U+FDFA, 3 bytes, becomes 33 bytes),
 * so each code point counts the larger of its UTF-8 length and the UTF-8 length of its NFKD
 * decomposition; canonical composition (NFC/NFKC) never makes a sequence longer than its
 * decomposition, so this also covers NFC and NFKC. An unpaired surrogate counts as U+FFFD (3
 * bytes), which is what it becomes on the wire. ASCII is unchanged by every normalization form
 * and takes a fast path.
 *
 * <p>The estimate is about four ASCII characters per token, as these tokenizers average on
 * English and code, plus one token per non-ASCII code point (CJK text runs near one per
 * character).
 */
final class Utf8ByteBoundCounter implements TokenCounter {
  static final Utf8ByteBoundCounter INSTANCE = new Utf8ByteBoundCounter();

  private Utf8ByteBoundCounter() {}

  @Override
  public long upperBound(CharSequence text) {
    int length = text.length();
    if (length == 0) {
      return 0;
    }
    long bytes = 1; // SentencePiece's dummy prefix
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
        continue;
      }
      int codePoint = c;
      if (Character.isHighSurrogate(c) && i + 1 < length
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        codePoint = Character.toCodePoint(c, text.charAt(i + 1));
        i++;
      }
      bytes += DecompositionBytes.maxUtf8Bytes(codePoint);
    }
    return bytes;
  }

  @Override
  public long estimate(CharSequence text) {
    long ascii = 0;
    long other = 0;
    int length = text.length();
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        ascii++;
      } else if (!Character.isLowSurrogate(c)) {
        other++;
      }
    }
    return (ascii + 3) / 4 + other;
  }

  @Override
  public boolean exact() {
    return false;
  }

  @Override
  public String name() {
    return "utf8-bytes";
  }

  /**
   * Per code point: max(UTF-8 length, UTF-8 length of its NFKD form). Computed lazily in blocks
   * of 256 code points, so a text touches only the few blocks of its scripts.
   */
  static final class DecompositionBytes {
    private static final int BLOCK_BITS = 8;
    private static final AtomicReferenceArray<byte[]> BLOCKS =
        new AtomicReferenceArray<>((Character.MAX_CODE_POINT + 1) >> BLOCK_BITS);

    private DecompositionBytes() {}

    static int maxUtf8Bytes(int codePoint) {
      int index = codePoint >> BLOCK_BITS;
      byte[] block = BLOCKS.get(index);
      if (block == null) {
        block = computeBlock(index << BLOCK_BITS);
        BLOCKS.set(index, block);
      }
      return block[codePoint & ((1 << BLOCK_BITS) - 1)];
    }

    private static byte[] computeBlock(int first) {
      byte[] block = new byte[1 << BLOCK_BITS];
      for (int i = 0; i < block.length; i++) {
        int codePoint = first + i;
        int own = utf8Length(codePoint);
        int decomposed = 0;
        if (Character.isSurrogate((char) codePoint) && codePoint <= 0xFFFF) {
          decomposed = own;
        } else {
          String nfkd = Normalizer.normalize(new String(Character.toChars(codePoint)),
              Normalizer.Form.NFKD);
          for (int j = 0; j < nfkd.length(); ) {
            int cp = nfkd.codePointAt(j);
            decomposed += utf8Length(cp);
            j += Character.charCount(cp);
          }
        }
        block[i] = (byte) Math.max(own, decomposed);
      }
      return block;
    }

    private static int utf8Length(int codePoint) {
      if (codePoint < 0x80) {
        return 1;
      } else if (codePoint < 0x800) {
        return 2;
      } else if (codePoint < 0x10000) {
        return 3; // includes surrogates, sent as U+FFFD (3 bytes)
      }
      return 4;
    }
  }
}
