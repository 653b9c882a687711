package io.llmcap.server.provider;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The byte-level checks made before Jackson reads a request body. */
class StrictJsonTest {

  private static String refusal(byte[] body) {
    return assertThrows(InvalidRequestException.class, () -> StrictJson.readRequestObject(body)).getMessage();
  }

  private static byte[] withInString(byte... raw) {
    byte[] head = "{\"model\":\"a".getBytes(UTF_8);
    byte[] tail = "\"}".getBytes(UTF_8);
    byte[] body = new byte[head.length + raw.length + tail.length];
    System.arraycopy(head, 0, body, 0, head.length);
    System.arraycopy(raw, 0, body, head.length, raw.length);
    System.arraycopy(tail, 0, body, head.length + raw.length, tail.length);
    return body;
  }

  @Test
  void wellFormedUtf8IsReadAsUtf8() throws Exception {
    assertEquals("é漢😀", StrictJson.readRequestObject("{\"m\":\"é漢😀\"}".getBytes(UTF_8)).get("m").asText());
    assertTrue(StrictJson.readRequestObject("{}".getBytes(UTF_8)).isEmpty(), "a body shorter than four bytes");
  }

  @Test
  void overlongEncodingsAreNotUtf8() {
    assertTrue(refusal(withInString((byte) 0xC0, (byte) 0xAF)).contains("not valid UTF-8"), "overlong '/'");
    assertTrue(refusal(withInString((byte) 0xE0, (byte) 0x80, (byte) 0xAF)).contains("not valid UTF-8"));
  }

  @Test
  void encodedSurrogatesAreNotUtf8() {
    // CESU-8: U+D83D U+DE00 as two three-byte sequences instead of one four-byte one.
    assertTrue(refusal(withInString((byte) 0xED, (byte) 0xA0, (byte) 0xBD, (byte) 0xED, (byte) 0xB8, (byte) 0x80))
        .contains("not valid UTF-8"));
  }

  @Test
  void codePointsAboveUnicodeAreNotUtf8() {
    assertTrue(refusal(withInString((byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80)).contains("not valid UTF-8"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE"})
  void utf16And32BodiesAreRefusedBeforeJacksonCanDetectThem(String charset) {
    byte[] body = "{\"model\":\"gpt-4o\"}".getBytes(Charset.forName(charset));
    assertTrue(refusal(body).contains("strict JSON"), charset);
  }

  @Test
  void aRawNulInsideAStringIsStillRefused() {
    assertTrue(refusal(withInString((byte) 0)).contains("strict JSON"));
  }
}
