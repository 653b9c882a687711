package io.llmcap.server.ledger;

import io.llmcap.server.cap.CapInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Argument rules every {@link LedgerStore} applies the same way. */
public final class LedgerArguments {
  private LedgerArguments() {}

  /** The caps with duplicate instances (same {@link CapInstance#key()}) counted once, first kept. */
  public static List<CapInstance> distinct(List<CapInstance> caps) {
    if (caps.size() <= 1) {
      return caps;
    }
    Map<String, CapInstance> byKey = new LinkedHashMap<>();
    for (CapInstance cap : caps) {
      byKey.putIfAbsent(cap.key(), cap);
    }
    return byKey.size() == caps.size() ? caps : new ArrayList<>(byKey.values());
  }

  public static void requireCallId(String callId) {
    if (callId == null || callId.isEmpty()) {
      throw new IllegalArgumentException("callId must not be empty");
    }
  }

  public static void requireNotNegative(long nanos, String name) {
    if (nanos < 0) {
      throw new IllegalArgumentException(name + " must not be negative, got " + nanos);
    }
  }
}
