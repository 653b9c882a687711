package io.llmcap.server.ledger.memory;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Journal records, one JSON object per line. Each record carries everything needed to rebuild
 * the counters it touches (a reserve names its caps in full, with window and limit), so replay
 * needs no caps file.
 *
 * <pre>
 * {"op":"reserve","id":"c1","nanos":500,"at":"...","caps":[{"name":..,"subject":..,"window":"day",
 *   "start":"...","end":"...","limit":..,"action":"enforce"}]}
 * {"op":"settle","id":"c1","nanos":420,"at":"..."}
 * {"op":"expire","id":"c1","at":"..."}          hold charged in full after its TTL
 * {"op":"counter","cap":{...},"spent":..}       a compacted counter
 * {"op":"reset","name":"..","subject":".."|null,"at":"..."}   spent of a cap's current instances zeroed
 * {"op":"alert","cap":{...},"threshold":"0.8"}  an alert claimed for an instance
 * </pre>
 */
final class JournalCodec {
  static final String RESERVE = "reserve";
  static final String SETTLE = "settle";
  static final String EXPIRE = "expire";
  static final String COUNTER = "counter";
  static final String RESET = "reset";
  static final String ALERT = "alert";

  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper(JSON);

  private JournalCodec() {}

  /**
   * A decoded record; fields that a kind does not use are null or zero.
   *
   * @param name the cap name of a reset
   * @param subject the subject of a reset (null: every subject), or the threshold of an alert
   * @param at when a reset happened
   */
  record Decoded(String op, String callId, long nanos, List<CapInstance> caps, String name, String subject,
      Instant at) {
    Decoded(String op, String callId, long nanos, List<CapInstance> caps) {
      this(op, callId, nanos, caps, null, null, null);
    }
  }

  static byte[] reset(String capName, String subject, Instant at) {
    return write(g -> {
      g.writeStringField("op", RESET);
      g.writeStringField("name", capName);
      if (subject == null) {
        g.writeNullField("subject");
      } else {
        g.writeStringField("subject", subject);
      }
      g.writeStringField("at", at.toString());
    });
  }

  static byte[] alert(CapInstance cap, String threshold) {
    return write(g -> {
      g.writeStringField("op", ALERT);
      g.writeFieldName("cap");
      writeCap(g, cap);
      g.writeStringField("threshold", threshold);
    });
  }

  static byte[] reserve(String callId, List<CapInstance> caps, long amount, Instant at) {
    return write(g -> {
      g.writeStringField("op", RESERVE);
      g.writeStringField("id", callId);
      g.writeNumberField("nanos", amount);
      g.writeStringField("at", at.toString());
      g.writeArrayFieldStart("caps");
      for (CapInstance cap : caps) {
        writeCap(g, cap);
      }
      g.writeEndArray();
    });
  }

  static byte[] settle(String callId, long actual, Instant at) {
    return write(g -> {
      g.writeStringField("op", SETTLE);
      g.writeStringField("id", callId);
      g.writeNumberField("nanos", actual);
      g.writeStringField("at", at.toString());
    });
  }

  static byte[] expire(String callId, Instant at) {
    return write(g -> {
      g.writeStringField("op", EXPIRE);
      g.writeStringField("id", callId);
      g.writeStringField("at", at.toString());
    });
  }

  static byte[] counter(CapInstance cap, long spent) {
    return write(g -> {
      g.writeStringField("op", COUNTER);
      g.writeFieldName("cap");
      writeCap(g, cap);
      g.writeNumberField("spent", spent);
    });
  }

  /** @throws IllegalArgumentException with what is wrong in the line */
  static Decoded decode(byte[] line, int offset, int length) {
    JsonNode n;
    try {
      n = MAPPER.readTree(JSON.createParser(line, offset, length));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a JSON record (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String op = text(n, "op");
    return switch (op) {
      case RESERVE -> {
        List<CapInstance> caps = new ArrayList<>();
        JsonNode arr = n.get("caps");
        if (arr == null || !arr.isArray()) {
          throw new IllegalArgumentException("reserve without caps");
        }
        for (JsonNode c : arr) {
          caps.add(readCap(c));
        }
        yield new Decoded(op, text(n, "id"), number(n, "nanos"), caps);
      }
      case SETTLE -> new Decoded(op, text(n, "id"), number(n, "nanos"), List.of());
      case EXPIRE -> new Decoded(op, text(n, "id"), 0, List.of());
      case COUNTER -> new Decoded(op, null, number(n, "spent"), List.of(readCap(n.get("cap"))));
      case RESET -> {
        JsonNode subject = n.get("subject");
        if (subject == null || !(subject.isNull() || subject.isTextual())) {
          throw new IllegalArgumentException("reset without a subject (text or null)");
        }
        try {
          yield new Decoded(op, null, 0, List.of(), text(n, "name"), subject.isNull() ? null : subject.textValue(),
              Instant.parse(text(n, "at")));
        } catch (java.time.format.DateTimeParseException e) {
          throw new IllegalArgumentException("bad reset time (" + e.getMessage() + ")", e);
        }
      }
      case ALERT -> new Decoded(op, null, 0, List.of(readCap(n.get("cap"))), null, text(n, "threshold"), null);
      default -> throw new IllegalArgumentException("unknown op \"" + op + "\"");
    };
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] write(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      body.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static void writeCap(JsonGenerator g, CapInstance cap) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", cap.capName());
    g.writeStringField("subject", cap.subject());
    g.writeStringField("window", cap.window());
    g.writeStringField("start", cap.windowStart().toString());
    g.writeStringField("end", cap.windowEnd().toString());
    g.writeNumberField("limit", cap.limitNanos());
    g.writeStringField("action", cap.action() == CapAction.SHADOW ? "shadow" : "enforce");
    g.writeEndObject();
  }

  private static CapInstance readCap(JsonNode c) {
    if (c == null || !c.isObject()) {
      throw new IllegalArgumentException("cap is not an object");
    }
    String action = text(c, "action");
    if (!action.equals("shadow") && !action.equals("enforce")) {
      throw new IllegalArgumentException("unknown cap action \"" + action + "\"");
    }
    try {
      return new CapInstance(text(c, "name"), text(c, "subject"), text(c, "window"),
          Instant.parse(text(c, "start")), Instant.parse(text(c, "end")), number(c, "limit"),
          action.equals("shadow") ? CapAction.SHADOW : CapAction.ENFORCE);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("bad window time (" + e.getMessage() + ")", e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("missing text field \"" + field + "\"");
    }
    return v.textValue();
  }

  private static long number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToExactIntegral() || !v.canConvertToLong() || v.longValue() < 0) {
      throw new IllegalArgumentException("missing non-negative whole number \"" + field + "\"");
    }
    return v.longValue();
  }
}
