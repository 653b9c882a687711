package io.llmcap.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.pricing.NanoUsd;
import io.llmcap.server.cap.CapDefinition;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.cap.CapPolicy;
import io.llmcap.server.cap.Per;
import io.llmcap.server.ledger.CapStatus;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code /v1/caps} document: every cap instance touched in its current window, money exact and
 * readable ({@code caps}), plus every cap of the caps file with the limit in force ({@code
 * definitions}), so that untouched caps can be shown too.
 */
final class CapsJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CapsJson() {}

  static byte[] render(List<CapStatus> caps, CapPolicy policy) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("caps");
    caps.stream()
        .map(s -> withCurrentLimit(s, policy))
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
          n.put("action", cap.action().name().toLowerCase(Locale.ROOT));
          n.put("limitNanoUsd", cap.limitNanos());
          n.put("spentNanoUsd", s.spentNanos());
          n.put("reservedNanoUsd", s.reservedNanos());
          n.put("remainingNanoUsd", s.remainingNanos());
          n.put("limitUsd", NanoUsd.format(cap.limitNanos()));
          n.put("spentUsd", NanoUsd.format(s.spentNanos()));
          n.put("reservedUsd", NanoUsd.format(s.reservedNanos()));
          n.put("remainingUsd", NanoUsd.format(s.remainingNanos()));
        });
    ArrayNode definitions = root.putArray("definitions");
    for (CapDefinition def : policy.caps()) {
      long limit = policy.limitOf(def);
      ObjectNode n = definitions.addObject();
      n.put("name", def.name());
      n.put("window", def.window().id());
      n.put("per", def.per().equals(Per.NONE) ? null : def.per().toString());
      n.put("action", def.action().name().toLowerCase(Locale.ROOT));
      n.put("limitNanoUsd", limit);
      n.put("limitUsd", NanoUsd.format(limit));
      n.put("configuredLimitUsd", NanoUsd.format(def.limitNanos()));
      n.put("limitOverridden", policy.limitOverride(def.name()) != null);
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }

  /**
   * The store remembers the limit an instance had at its last reservation; the limit in force
   * (after an override or a reload) is the policy's.
   */
  private static CapStatus withCurrentLimit(CapStatus s, CapPolicy policy) {
    CapInstance c = s.cap();
    Optional<CapDefinition> def = policy.cap(c.capName());
    if (def.isEmpty() || policy.limitOf(def.get()) == c.limitNanos()) {
      return s;
    }
    return new CapStatus(new CapInstance(c.capName(), c.subject(), c.window(), c.windowStart(), c.windowEnd(),
        policy.limitOf(def.get()), c.action()), s.spentNanos(), s.reservedNanos());
  }
}
