package io.llmcap.server.ledger.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A short-lived local memory of status answers that showed an enforcing cap spent to its limit, so
 * that the same caller's next headers-phase check is answered without a round trip. Only answers
 * that deny are kept: within a window, {@code spent} only grows, so an exhausted cap stays
 * exhausted; a cached answer is used only while its window is still open and while the cap's
 * current limit (a reload may raise it) is still reached. Everything else goes to Redis, and the
 * body-phase reservation always does.
 */
final class ExhaustedCapsView {
  private final Cache<String, List<CapStatus>> byCapList;
  /** Each exhausted enforcing cap seen in an answer (status or a denied reservation), by instance key. */
  private final Cache<String, CapStatus> byCap;

  ExhaustedCapsView(Duration ttl) {
    this.byCapList = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(10_000).build();
    this.byCap = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(10_000).build();
  }

  /** Forgets every remembered answer (after a reset, no remembered exhaustion is true any more). */
  void clear() {
    byCapList.invalidateAll();
    byCap.invalidateAll();
  }

  /** Keeps a fresh status answer if it shows an exhausted enforcing cap. */
  void remember(List<CapInstance> caps, List<CapStatus> answer) {
    for (CapStatus s : answer) {
      if (s.denies()) {
        byCapList.put(listKey(caps), answer);
        rememberEach(answer);
        return;
      }
    }
  }

  /** Keeps every exhausted enforcing cap of a fresh answer, each on its own. */
  void rememberEach(List<CapStatus> answer) {
    for (CapStatus s : answer) {
      if (s.denies()) {
        byCap.put(s.cap().key(), s);
      }
    }
  }

  /**
   * An enforcing cap among {@code caps} that a recent answer showed spent to its limit, re-read
   * against its current definition (a reload may raise the limit) while its window is open.
   */
  Optional<CapStatus> knownExhausted(List<CapInstance> caps, Instant now) {
    for (CapInstance cap : caps) {
      CapStatus seen = byCap.getIfPresent(cap.key());
      if (seen != null && cap.windowEnd().isAfter(now)) {
        CapStatus current = new CapStatus(cap, seen.spentNanos(), seen.reservedNanos());
        if (current.denies()) {
          return Optional.of(current);
        }
      }
    }
    return Optional.empty();
  }

  /** A recent answer for exactly these caps that still denies at {@code now}, re-read against their current definitions. */
  Optional<List<CapStatus>> lookup(List<CapInstance> caps, Instant now) {
    List<CapStatus> cached = byCapList.getIfPresent(listKey(caps));
    if (cached == null || cached.size() != caps.size()) {
      return Optional.empty();
    }
    List<CapStatus> current = new ArrayList<>(caps.size());
    boolean stillDenies = false;
    for (int i = 0; i < caps.size(); i++) {
      CapInstance cap = caps.get(i);
      CapStatus old = cached.get(i);
      if (!cap.windowEnd().isAfter(now)) {
        return Optional.empty();
      }
      CapStatus s = new CapStatus(cap, old.spentNanos(), old.reservedNanos());
      stillDenies |= s.denies();
      current.add(s);
    }
    return stillDenies ? Optional.of(current) : Optional.empty();
  }

  private static String listKey(List<CapInstance> caps) {
    StringBuilder b = new StringBuilder();
    for (CapInstance c : caps) {
      b.append(c.key()).append('\n');
    }
    return b.toString();
  }
}
