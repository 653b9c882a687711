package io.llmcap.server.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.function.Supplier;

/** Feeds recorded-shape responses to usage parsers, whole and cut at every byte. */
public final class UsageParserFixtures {

  private UsageParserFixtures() {}

  /** A fixture under {@code src/test/resources/io/llmcap/server/provider/}. */
  public static byte[] fixture(String relativePath) {
    String resource = "/io/llmcap/server/provider/" + relativePath;
    try (InputStream in = UsageParserFixtures.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no test fixture " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static UsageSnapshot readWhole(
      Supplier<UsageParser> parsers, int status, String contentType, byte[] body) {
    return read(parsers.get(), status, contentType, body);
  }

  /**
   * Reads the body whole, then in two pieces cut at every byte, then one byte at a time, and
   * asserts every reading gives the same snapshot.
   *
   * @return that snapshot
   */
  public static UsageSnapshot readAtEverySplit(
      Supplier<UsageParser> parsers, int status, String contentType, byte[] body) {
    UsageSnapshot whole = read(parsers.get(), status, contentType, body);
    for (int cut = 0; cut <= body.length; cut++) {
      UsageSnapshot split =
          read(
              parsers.get(),
              status,
              contentType,
              Arrays.copyOfRange(body, 0, cut),
              Arrays.copyOfRange(body, cut, body.length));
      assertEquals(whole, split, "snapshot differs when the body is cut at byte " + cut);
    }
    byte[][] bytes = new byte[body.length][];
    for (int i = 0; i < body.length; i++) {
      bytes[i] = new byte[] {body[i]};
    }
    assertEquals(
        whole, read(parsers.get(), status, contentType, bytes), "snapshot differs byte by byte");
    return whole;
  }

  private static UsageSnapshot read(
      UsageParser parser, int status, String contentType, byte[]... chunks) {
    parser.onResponseHeaders(status, contentType);
    for (byte[] chunk : chunks) {
      parser.onBody(chunk);
    }
    parser.onEnd();
    return parser.snapshot();
  }
}
