package io.llmcap.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.pricing.NanoUsd;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The JSON line form of {@link AuditRecord}: money in exact nano-dollars and as a decimal string. */
public final class AuditJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AuditJson() {}

  public static byte[] line(AuditRecord r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", r.type());
    n.put("at", r.at().toString());
    n.put("callId", r.callId());
    n.put("service", r.service());
    n.put("apiKeyFingerprint", r.apiKeyFingerprint());
    n.put("provider", r.provider());
    n.put("api", r.api());
    n.put("model", r.model());
    n.put("outcome", r.outcome());
    n.put("reservedNanoUsd", r.reservedNanos());
    n.put("reservedUsd", NanoUsd.format(r.reservedNanos()));
    if (r.settledNanos() != null) {
      n.put("settledNanoUsd", r.settledNanos());
      n.put("settledUsd", NanoUsd.format(r.settledNanos()));
      n.put("settledHow", r.settledHow());
      n.put("upstreamStatus", r.upstreamStatus());
    }
    if (!r.caps().isEmpty()) {
      ArrayNode caps = n.putArray("caps");
      for (AuditRecord.CapTouched c : r.caps()) {
        ObjectNode cn = caps.addObject();
        cn.put("name", c.name());
        cn.put("subject", c.subject());
        cn.put("action", c.action());
        if (c.wouldDeny()) {
          cn.put("wouldDeny", true);
        }
      }
    }
    if (r.blockingCap() != null) {
      n.put("blockingCap", r.blockingCap());
    }
    if (r.reason() != null) {
      n.put("reason", r.reason());
    }
    try {
      byte[] json = JSON.writeValueAsBytes(n);
      byte[] line = new byte[json.length + 1];
      System.arraycopy(json, 0, line, 0, json.length);
      line[json.length] = '\n';
      return line;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }

  /** @throws IllegalArgumentException when the line is not an audit record */
  public static AuditRecord parse(String line) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON", e);
    }
    if (n == null || !n.isObject() || !n.path("type").isTextual() || !n.path("callId").isTextual()) {
      throw new IllegalArgumentException("not an audit record");
    }
    List<AuditRecord.CapTouched> caps = new ArrayList<>();
    for (JsonNode c : n.path("caps")) {
      caps.add(new AuditRecord.CapTouched(c.path("name").asText(), c.path("subject").asText(),
          c.path("action").asText(), c.path("wouldDeny").asBoolean(false)));
    }
    try {
      return new AuditRecord(n.path("type").asText(), Instant.parse(n.path("at").asText()), n.path("callId").asText(),
          text(n, "service"), text(n, "apiKeyFingerprint"), text(n, "provider"), text(n, "api"), text(n, "model"),
          text(n, "outcome"), n.path("reservedNanoUsd").asLong(),
          n.has("settledNanoUsd") ? n.path("settledNanoUsd").asLong() : null, text(n, "settledHow"),
          n.path("upstreamStatus").asInt(0), caps, text(n, "blockingCap"), text(n, "reason"));
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("bad time", e);
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
