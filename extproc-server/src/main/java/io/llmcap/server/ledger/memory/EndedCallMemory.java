package io.llmcap.server.ledger.memory;

import java.time.Instant;

/**
 * The ids of calls that ended, remembered until their hold TTL has passed (at most {@code
 * capacity} of them, newest kept), so that a late or repeated settle or charge is never applied
 * twice. Sized once and allocation-free per call: an id is kept as a 128-bit hash in a ring of
 * primitive arrays, indexed by an open-addressing table. A {@code LinkedHashMap<String, Instant>}
 * here kept three objects per call alive for the TTL, which the young collector copied on every
 * collection until they were promoted.
 *
 * <p>Two different ids share a 128-bit hash with a probability near 2<sup>-128</sup> per pair: at
 * the capacity of 200,000 ids, far below any hardware error rate.
 */
final class EndedCallMemory {
  private final int capacity;
  private final long[] hashA;
  private final long[] hashB;
  private final long[] forgetAtMillis;
  /** Ring positions plus one by hash slot; 0 is an empty slot. Linear probing. */
  private final int[] index;
  private final int mask;
  private int oldest;
  private int size;

  EndedCallMemory(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive, got " + capacity);
    }
    this.capacity = capacity;
    this.hashA = new long[capacity];
    this.hashB = new long[capacity];
    this.forgetAtMillis = new long[capacity];
    int slots = Integer.highestOneBit(capacity * 2 - 1) << 1; // a power of two, at least twice the capacity
    this.index = new int[slots];
    this.mask = slots - 1;
  }

  int size() {
    return size;
  }

  /** Remembers {@code callId} until {@code forgetAt}, forgetting the oldest id when full. */
  void add(String callId, Instant forgetAt) {
    long a = hashA(callId);
    long b = hashB(callId);
    if (find(a, b) >= 0) {
      return;
    }
    if (size == capacity) {
      removeOldest();
    }
    int position = (oldest + size) % capacity;
    hashA[position] = a;
    hashB[position] = b;
    forgetAtMillis[position] = forgetAt.toEpochMilli();
    size++;
    int slot = home(a);
    while (index[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    index[slot] = position + 1;
  }

  boolean contains(String callId) {
    return find(hashA(callId), hashB(callId)) >= 0;
  }

  /** Forgets the ids whose time has come ({@code forgetAt} not after {@code now}), oldest first. */
  void forgetUntil(Instant now) {
    long nowMillis = now.toEpochMilli();
    while (size > 0 && forgetAtMillis[oldest] <= nowMillis) {
      removeOldest();
    }
  }

  private int find(long a, long b) {
    for (int slot = home(a); index[slot] != 0; slot = (slot + 1) & mask) {
      int position = index[slot] - 1;
      if (hashA[position] == a && hashB[position] == b) {
        return slot;
      }
    }
    return -1;
  }

  private void removeOldest() {
    int position = oldest;
    int slot = home(hashA[position]);
    while (index[slot] != position + 1) {
      slot = (slot + 1) & mask;
    }
    deleteSlot(slot);
    oldest = (oldest + 1) % capacity;
    size--;
  }

  /** Linear-probing deletion: moves later entries of the probe run back so that none becomes unreachable. */
  private void deleteSlot(int slot) {
    int hole = slot;
    int next = (hole + 1) & mask;
    while (index[next] != 0) {
      int home = home(hashA[index[next] - 1]);
      // The entry at next may fill the hole when its home is not cyclically in (hole, next].
      boolean reachableWithoutHole = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
      if (!reachableWithoutHole) {
        index[hole] = index[next];
        hole = next;
      }
      next = (next + 1) & mask;
    }
    index[hole] = 0;
  }

  private int home(long a) {
    return (int) (a ^ (a >>> 32)) & mask;
  }

  /** FNV-1a, 64-bit, over the chars. */
  static long hashA(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** A second, independent 64-bit hash: polynomial over the chars with another multiplier and seed. */
  static long hashB(String s) {
    long h = 0x9E3779B97F4A7C15L ^ s.length();
    for (int i = 0; i < s.length(); i++) {
      h = (h + s.charAt(i)) * 0xC2B2AE3D27D4EB4FL;
      h ^= h >>> 29;
    }
    return mix(h);
  }

  /** A 64-bit finalizer (SplitMix64's), so that every bit of the hash depends on every char. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
