package io.llmcap.server.provider;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.server.provider.SseEventReader.SseEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseEventReaderTest {

  private final List<SseEvent> events = new ArrayList<>();
  private final SseEventReader reader = new SseEventReader(events::add, 1024);

  @Test
  void crlfSplitBetweenCarriageReturnAndLineFeedEndsOneLineOnly() {
    reader.feed("data: a\r".getBytes(UTF_8));
    reader.feed("\n\r".getBytes(UTF_8));
    reader.feed("\ndata: b\r\n\r\n".getBytes(UTF_8));

    assertEquals(List.of(new SseEvent(null, "a"), new SseEvent(null, "b")), events);
  }

  @Test
  void bareCarriageReturnsAndLineFeedsEndLinesToo() {
    reader.feed("event: x\rdata: 1\r\rdata: 2\n\n".getBytes(UTF_8));

    assertEquals(List.of(new SseEvent("x", "1"), new SseEvent(null, "2")), events);
  }

  @Test
  void multiByteCharacterCutBetweenChunksIsDecodedWhole() {
    byte[] bytes = "data: 🦀é\n\n".getBytes(UTF_8);
    for (byte b : bytes) {
      reader.feed(new byte[] {b});
    }

    assertEquals(List.of(new SseEvent(null, "🦀é")), events);
  }

  @Test
  void dataLinesAreJoinedAndCommentsAndOtherFieldsIgnored() {
    reader.feed(": keep-alive\nid: 7\nretry: 10\ndata:first\ndata: second\n\n".getBytes(UTF_8));

    assertEquals(List.of(new SseEvent(null, "first\nsecond")), events);
  }

  @Test
  void eventWithoutTrailingBlankLineIsDispatchedAtEnd() {
    reader.feed("event: message_stop\ndata: {}".getBytes(UTF_8));
    assertTrue(events.isEmpty());

    reader.end();

    assertEquals(List.of(new SseEvent("message_stop", "{}")), events);
  }

  @Test
  void overlongLineStopsReadingInsteadOfBuffering() {
    byte[] line = new byte[2048];
    Arrays.fill(line, (byte) 'x');
    reader.feed("data: ".getBytes(UTF_8));
    reader.feed(line);
    reader.feed("\n\ndata: later\n\n".getBytes(UTF_8));
    reader.end();

    assertTrue(reader.overflowed());
    assertTrue(events.isEmpty());
  }

  @Test
  void aLineOfExactlyTheLimitIsKeptAndOneByteMoreOverflows() {
    List<SseEvent> seen = new ArrayList<>();
    SseEventReader small = new SseEventReader(seen::add, 10);
    small.feed("data: 1234".getBytes(UTF_8));
    small.feed("\n\n".getBytes(UTF_8));
    assertEquals(List.of(new SseEvent(null, "1234")), seen);

    small.feed("data: 12345\n\n".getBytes(UTF_8));
    assertTrue(small.overflowed());
    assertEquals(1, seen.size());
  }

  @Test
  void linesLongerThanTheInitialBufferAndManyEventsInOneChunkAreRead() {
    String long1 = "y".repeat(700);
    reader.feed(("data: " + long1 + "\n\ndata: a\n\nevent: e\ndata: b\r\n\r\n").getBytes(UTF_8));

    assertEquals(List.of(new SseEvent(null, long1), new SseEvent(null, "a"), new SseEvent("e", "b")), events);
  }
}
