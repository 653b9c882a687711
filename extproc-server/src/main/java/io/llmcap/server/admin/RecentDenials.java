package io.llmcap.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.pricing.NanoUsd;
import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.ledger.CapStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The last denials (and shadow caps' would-be denials) kept in memory for the status page's
 * {@code /v1/denials}. A fixed ring: recording is a few field writes under a short lock, and
 * memory does not grow with traffic.
 */
public final class RecentDenials implements CallListener {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One denial. Carries the caller's service and key fingerprint, never a key or a prompt.
   *
   * @param kind the decision outcome in lower case, or {@code shadow_would_deny}
   */
  public record Denial(Instant at, String callId, String kind, String cap, String subject, String service,
      String provider, String model, String reason, long spentNanos, long limitNanos) {}

  private final Denial[] ring;
  private int next;
  private long total;

  public RecentDenials(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }
    this.ring = new Denial[capacity];
  }

  @Override
  public void decided(Decision d) {
    switch (d.outcome()) {
      case DENIED_CAP, DENIED_INVALID, DENIED_STORE_DOWN, FAILED ->
          add(denial(d, d.outcome().name().toLowerCase(Locale.ROOT), d.blocking(), d.reason()));
      default -> {
        for (CapStatus wouldDeny : d.shadowWouldDeny()) {
          add(denial(d, "shadow_would_deny", wouldDeny, "shadow cap '" + wouldDeny.cap().capName()
              + "' would have denied this call"));
        }
      }
    }
  }

  private static Denial denial(Decision d, String kind, CapStatus cap, String reason) {
    return new Denial(d.at(), d.callId(), kind, cap == null ? null : cap.cap().capName(),
        cap == null ? null : cap.cap().subject(), d.service(), d.provider(), d.model(), reason,
        cap == null ? 0 : cap.spentNanos(), cap == null ? 0 : cap.cap().limitNanos());
  }

  private synchronized void add(Denial denial) {
    ring[next] = denial;
    next = (next + 1) % ring.length;
    total++;
  }

  /** The kept denials, newest first. */
  public synchronized List<Denial> newestFirst() {
    List<Denial> out = new ArrayList<>(ring.length);
    for (int i = 1; i <= ring.length; i++) {
      Denial d = ring[Math.floorMod(next - i, ring.length)];
      if (d == null) {
        break;
      }
      out.add(d);
    }
    return out;
  }

  /** Denials recorded since start (kept or not). */
  public synchronized long total() {
    return total;
  }

  /** The {@code /v1/denials} document. */
  public byte[] json() {
    long seen;
    List<Denial> list;
    synchronized (this) {
      seen = total;
      list = newestFirst();
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("total", seen);
    ArrayNode arr = root.putArray("denials");
    for (Denial d : list) {
      ObjectNode n = arr.addObject();
      n.put("at", d.at().toString());
      n.put("callId", d.callId());
      n.put("kind", d.kind());
      n.put("cap", d.cap());
      n.put("subject", d.subject());
      n.put("service", d.service());
      n.put("provider", d.provider());
      n.put("model", d.model());
      n.put("reason", d.reason());
      if (d.cap() != null) {
        n.put("spentUsd", NanoUsd.format(d.spentNanos()));
        n.put("limitUsd", NanoUsd.format(d.limitNanos()));
      }
    }
    try {
      return JSON.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }
}
