package io.llmcap.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.pricing.NanoUsd;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** The {@code /v1/caps} document: every cap instance touched in its current window, money exact and readable. */
final class CapsJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CapsJson() {}

  static byte[] render(List<CapStatus> caps) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("caps");
    caps.stream()
        .sorted(Comparator.comparing((CapStatus s) -> s.cap().capName()).thenComparing(s -> s.cap().subject()))
        .forEach(s -> {
          CapInstance cap = s.cap();
          ObjectNode n = list.addObject();
          n.put("name", cap.capName());
          n.put("subject", cap.subject());
          n.put("window", cap.window());
          n.put("windowStart", cap.windowStart().toString());
          if (cap.windowEnd().equals(Instant.MAX)) {
            n.putNull("resetsAt");
          } else {
            n.put("resetsAt", cap.windowEnd().toString());
          }
          n.put("action", cap.action().name().toLowerCase(java.util.Locale.ROOT));
          n.put("limitNanoUsd", cap.limitNanos());
          n.put("spentNanoUsd", s.spentNanos());
          n.put("reservedNanoUsd", s.reservedNanos());
          n.put("remainingNanoUsd", s.remainingNanos());
          n.put("limitUsd", NanoUsd.format(cap.limitNanos()));
          n.put("spentUsd", NanoUsd.format(s.spentNanos()));
          n.put("reservedUsd", NanoUsd.format(s.reservedNanos()));
          n.put("remainingUsd", NanoUsd.format(s.remainingNanos()));
        });
    try {
      return JSON.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }
}
