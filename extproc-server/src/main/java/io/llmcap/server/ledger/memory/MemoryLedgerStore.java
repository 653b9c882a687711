package io.llmcap.server.ledger.memory;

import static io.llmcap.server.ledger.LedgerArguments.distinct;
import static io.llmcap.server.ledger.LedgerArguments.requireCallId;
import static io.llmcap.server.ledger.LedgerArguments.requireNotNegative;

import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.ReserveOutcome;
import io.llmcap.server.ledger.memory.LedgerState.Counter;
import io.llmcap.server.ledger.memory.LedgerState.Hold;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ledger: counters in memory, every reserve, settle and expiry journaled to a file
 * before the call returns, so a restart (even after {@code kill -9}) keeps every settled
 * nano-dollar.
 *
 * <p>One lock guards the state. Inside it: sweeping expired holds (usually nothing), the room
 * check, one {@code write} of a pre-encoded record to the page cache, and the counter updates.
 * Records are encoded before the lock and {@code fsync} (if enabled) runs after it. Writing the
 * record under the lock, before the state changes, keeps the journal in exactly the order the
 * state changed, and a failed write leaves the state untouched.
 *
 * <p>On open, the journal is replayed; reservations that were never settled (their process died)
 * are charged their full reserved amount, the conservative rule also applied to holds older than
 * {@code holdTtl}; then the journal is compacted to one record per live counter. While running it
 * is compacted again whenever it outgrows {@link Options#compactAfterBytes()}; that rewrite
 * (counters and open holds, typically well under a megabyte) happens under the lock and pauses
 * decisions for its duration.
 */
public final class MemoryLedgerStore implements LedgerStore {
  private static final Logger log = LoggerFactory.getLogger(MemoryLedgerStore.class);

  /**
   * Tuning of the journal.
   *
   * @param compactAfterBytes rewrite the journal once it grows past this size
   */
  public record Options(JournalSync sync, long compactAfterBytes) {
    public static final Options DEFAULT = new Options(JournalSync.OS_CACHE, 64L << 20);

    public Options {
      Objects.requireNonNull(sync, "sync");
      if (compactAfterBytes <= 0) {
        throw new IllegalArgumentException("compactAfterBytes must be positive");
      }
    }
  }

  /**
   * What opening the journal found.
   *
   * @param records records replayed
   * @param chargedHolds reservations left open by the previous process, charged in full
   * @param chargedNanos the total charged for them
   * @param tornTail description of an incomplete last record that was dropped (a write cut by a
   *     crash), or null
   */
  public record Recovery(long records, int chargedHolds, long chargedNanos, String tornTail) {
    static final Recovery NONE = new Recovery(0, 0, 0, null);
  }

  private final Object lock = new Object();
  private final LedgerState state;
  private final Duration holdTtl;
  private final Clock clock;
  private final Journal journal;
  private final Options options;
  private final Recovery recovery;
  private boolean closed;

  private MemoryLedgerStore(LedgerState state,
      Duration holdTtl, Clock clock, Journal journal, Options options, Recovery recovery) {
    this.state = state;
    this.holdTtl = holdTtl;
    this.clock = clock;
    this.journal = journal;
    this.options = options;
    this.recovery = recovery;
  }

  /** Opens (or creates) the store journaled in {@code dir}, with default options. */
  public static MemoryLedgerStore open(Path dir, Duration holdTtl, Clock clock)
      throws LedgerException {
    return open(dir, holdTtl, clock, Options.DEFAULT);
  }

  /**
   * Opens (or creates) the store journaled in {@code dir}: replays the journal, charges the holds
   * the previous process left open, drops counters of ended windows (per {@code clock}) and
   * compacts.
   *
   * @throws LedgerException when the directory is unusable or locked by another process, or the
   *     journal is corrupt before its last line (the message names file and line)
   */
  public static MemoryLedgerStore open(Path dir, Duration holdTtl, Clock clock, Options options)
      throws LedgerException {
    checkTtl(holdTtl);
    Journal journal = Journal.lock(dir);
    try {
      MemoryLedgerStore store = recover(journal, holdTtl, clock, options);
      if (store.recovery.chargedHolds() > 0 || store.recovery.tornTail() != null) {
        log.warn("Ledger journal {} recovered: {} records, {} unsettled reservations charged "
                + "in full ({} nano-USD){}", journal.file(), store.recovery.records(),
            store.recovery.chargedHolds(), store.recovery.chargedNanos(),
            store.recovery.tornTail() == null ? "" : "; " + store.recovery.tornTail());
      }
      return store;
    } catch (LedgerException | RuntimeException e) {
      journal.close();
      throw e;
    }
  }

  /** A store without a journal, for tests and throwaway runs: everything is lost on exit. */
  public static MemoryLedgerStore inMemory(Duration holdTtl, Clock clock) {
    checkTtl(holdTtl);
    return new MemoryLedgerStore(
        new LedgerState(), holdTtl, clock, null, Options.DEFAULT, Recovery.NONE);
  }

  private static void checkTtl(Duration holdTtl) {
    if (holdTtl == null || holdTtl.isNegative() || holdTtl.isZero()) {
      throw new IllegalArgumentException("holdTtl must be positive, got " + holdTtl);
    }
  }

  private static MemoryLedgerStore recover(
      Journal journal, Duration holdTtl, Clock clock, Options options) throws LedgerException {
    byte[] bytes = journal.readAll();
    Instant now = clock.instant();
    LedgerState st = new LedgerState();
    long records = 0;
    String torn = null;
    int lineNo = 0;
    int pos = 0;
    while (pos < bytes.length) {
      int nl = indexOf(bytes, (byte) '\n', pos);
      int end = nl < 0 ? bytes.length : nl;
      lineNo++;
      int start = pos;
      pos = end + 1;
      if (isBlank(bytes, start, end)) {
        continue;
      }
      try {
        replay(st, JournalCodec.decode(bytes, start, end - start), now, holdTtl);
        records++;
      } catch (IllegalArgumentException e) {
        if (isBlank(bytes, pos, bytes.length)) {
          // Only the record being written when the process died can be incomplete.
          torn = "dropped an incomplete last record at line " + lineNo + " of " + journal.file()
              + " (a write cut short by a crash; that operation was never acknowledged)";
          break;
        }
        throw new LedgerException("the ledger journal " + journal.file() + " is corrupt at line "
            + lineNo + ": " + e.getMessage() + "; restore it from a backup or move it away to "
            + "start with empty counters");
      }
    }
    int charged = 0;
    long chargedNanos = 0;
    for (Hold h : st.openHolds()) {
      st.end(h, h.amount, now.plus(holdTtl));
      charged++;
      chargedNanos = LedgerState.saturatingAdd(chargedNanos, h.amount);
    }
    st.dropEndedWindows(now.minus(holdTtl));
    Recovery recovery = new Recovery(records, charged, chargedNanos, torn);
    MemoryLedgerStore ready =
        new MemoryLedgerStore(st, holdTtl, clock, journal, options, recovery);
    synchronized (ready.lock) {
      journal.rewrite(ready.compactedRecords());
    }
    return ready;
  }

  private static void replay(LedgerState st, JournalCodec.Decoded r, Instant now, Duration ttl) {
    switch (r.op()) {
      case JournalCodec.RESERVE -> {
        if (st.hold(r.callId()) != null) {
          throw new IllegalArgumentException("second reservation for call " + r.callId());
        }
        st.reserve(r.callId(), r.caps(), r.nanos(), Instant.MAX);
      }
      case JournalCodec.SETTLE, JournalCodec.EXPIRE -> {
        Hold h = st.hold(r.callId());
        if (h == null) {
          throw new IllegalArgumentException(r.op() + " of call " + r.callId()
              + " that holds no reservation");
        }
        st.end(h, r.op().equals(JournalCodec.SETTLE) ? r.nanos() : h.amount, now.plus(ttl));
      }
      case JournalCodec.COUNTER -> st.restoreCounter(r.caps().get(0), r.nanos());
      case JournalCodec.RESET -> st.reset(r.name(), r.subject(), r.at());
      case JournalCodec.ALERT -> st.claimAlert(r.caps().get(0), r.subject());
      default -> throw new IllegalArgumentException("unknown op " + r.op());
    }
  }

  /** What opening the journal found ({@link Recovery#NONE}-like for a fresh or in-memory store). */
  public Recovery recovery() {
    return recovery;
  }

  @Override
  public ReserveOutcome reserve(String callId, List<CapInstance> caps, long amountNanos,
      Instant now) throws LedgerException {
    requireCallId(callId);
    Objects.requireNonNull(now, "now");
    requireNotNegative(amountNanos, "amountNanos");
    List<CapInstance> distinct = distinct(caps);
    if (distinct.isEmpty()) {
      // Nothing to count against: nothing is held, and a later settle returns false.
      return new ReserveOutcome.Granted(List.of(), List.of());
    }
    byte[] record = journal == null ? null : JournalCodec.reserve(callId, distinct, amountNanos, now);
    ReserveOutcome outcome;
    synchronized (lock) {
      LedgerState st = prepare(now);
      if (st.isKnownCall(callId, now)) {
        throw new IllegalStateException("call " + callId + " already reserved (call ids must be "
            + "unique per call)");
      }
      Counter[] counters = new Counter[distinct.size()];
      CapStatus blocking = null;
      long blockingRoom = Long.MAX_VALUE;
      for (int i = 0; i < counters.length; i++) {
        CapInstance cap = distinct.get(i);
        counters[i] = st.counter(cap.key());
        long room = counters[i] == null ? cap.limitNanos() : roomWithLimit(counters[i], cap);
        if (LedgerState.enforcing(cap) && amountNanos > room && room < blockingRoom) {
          blockingRoom = room;
          blocking = LedgerState.statusOf(counters[i], cap);
        }
      }
      if (blocking != null) {
        List<CapStatus> unchanged = new ArrayList<>(counters.length);
        for (int i = 0; i < counters.length; i++) {
          unchanged.add(LedgerState.statusOf(counters[i], distinct.get(i)));
        }
        return new ReserveOutcome.Denied(blocking, unchanged);
      }
      List<CapStatus> shadowWouldDeny = new ArrayList<>(0);
      boolean[] shadowLacked = new boolean[counters.length];
      for (int i = 0; i < counters.length; i++) {
        CapInstance cap = distinct.get(i);
        long room = counters[i] == null ? cap.limitNanos() : roomWithLimit(counters[i], cap);
        shadowLacked[i] = !LedgerState.enforcing(cap) && amountNanos > room;
      }
      append(record);
      Hold hold = st.reserve(callId, distinct, amountNanos, now.plus(holdTtl));
      List<CapStatus> after = new ArrayList<>(counters.length);
      for (int i = 0; i < counters.length; i++) {
        CapStatus s = hold.counters[i].status(distinct.get(i));
        after.add(s);
        if (shadowLacked[i]) {
          shadowWouldDeny.add(s);
        }
      }
      outcome = new ReserveOutcome.Granted(after, shadowWouldDeny);
      compactIfLarge(now);
    }
    flush();
    return outcome;
  }

  /**
   * From the counters as they are, without sweeping expired holds or touching the journal (so it
   * never writes or syncs): spend only grows, and an expired hold not swept yet can only make a cap
   * look less spent, which the reservation then sees.
   */
  @Override
  public Optional<CapStatus> knownExhausted(List<CapInstance> caps, Instant now) {
    synchronized (lock) {
      for (CapInstance cap : caps) {
        CapStatus status = LedgerState.statusOf(state.counter(cap.key()), cap);
        if (cap.windowEnd().isAfter(now) && status.denies()) {
          return Optional.of(status);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Only when every record is synced to the device: a write that ends in the OS page cache, under
   * a lock held for microseconds, does not wait on I/O.
   */
  @Override
  public boolean mayBlock() {
    return journal != null && options.sync() == JournalSync.EVERY_WRITE;
  }

  @Override
  public boolean settle(String callId, long actualNanos, Instant now) throws LedgerException {
    requireCallId(callId);
    Objects.requireNonNull(now, "now");
    requireNotNegative(actualNanos, "actualNanos");
    byte[] record = journal == null ? null : JournalCodec.settle(callId, actualNanos, now);
    synchronized (lock) {
      LedgerState st = prepare(now);
      Hold hold = st.hold(callId);
      if (hold == null) {
        return false;
      }
      append(record);
      st.end(hold, actualNanos, now.plus(holdTtl));
      compactIfLarge(now);
    }
    flush();
    return true;
  }

  @Override
  public boolean charge(String callId, List<CapInstance> caps, long amountNanos, Instant now)
      throws LedgerException {
    requireCallId(callId);
    Objects.requireNonNull(now, "now");
    requireNotNegative(amountNanos, "amountNanos");
    List<CapInstance> distinct = distinct(caps);
    if (distinct.isEmpty()) {
      return false;
    }
    // Journaled as a zero hold settled at once, in one write: replay rebuilds it from records it
    // knows, and a torn write loses both halves together.
    byte[] record = null;
    if (journal != null) {
      byte[] reserveRecord = JournalCodec.reserve(callId, distinct, 0, now);
      byte[] settleRecord = JournalCodec.settle(callId, amountNanos, now);
      record = java.util.Arrays.copyOf(reserveRecord, reserveRecord.length + settleRecord.length);
      System.arraycopy(settleRecord, 0, record, reserveRecord.length, settleRecord.length);
    }
    synchronized (lock) {
      LedgerState st = prepare(now);
      if (st.isKnownCall(callId, now)) {
        return false;
      }
      append(record);
      Hold hold = st.reserve(callId, distinct, 0, now.plus(holdTtl));
      st.end(hold, amountNanos, now.plus(holdTtl));
      compactIfLarge(now);
    }
    flush();
    return true;
  }

  @Override
  public List<CapStatus> status(List<CapInstance> caps, Instant now) throws LedgerException {
    List<CapStatus> out = new ArrayList<>(caps.size());
    synchronized (lock) {
      LedgerState st = prepare(now);
      for (CapInstance cap : caps) {
        out.add(LedgerState.statusOf(st.counter(cap.key()), cap));
      }
    }
    flush();
    return out;
  }

  @Override
  public List<CapStatus> snapshot(Instant now) throws LedgerException {
    List<CapStatus> out = new ArrayList<>();
    synchronized (lock) {
      LedgerState st = prepare(now);
      for (Counter c : st.counters()) {
        if (!c.cap.windowStart().isAfter(now) && c.cap.windowEnd().isAfter(now)) {
          out.add(c.status(c.cap));
        }
      }
    }
    flush();
    out.sort(Comparator.comparing((CapStatus s) -> s.cap().capName())
        .thenComparing(s -> s.cap().subject()));
    return out;
  }

  @Override
  public int reset(String capName, String subject, Instant now) throws LedgerException {
    Objects.requireNonNull(capName, "capName");
    Objects.requireNonNull(now, "now");
    byte[] record = journal == null ? null : JournalCodec.reset(capName, subject, now);
    int reset;
    synchronized (lock) {
      LedgerState st = prepare(now);
      append(record);
      reset = st.reset(capName, subject, now);
    }
    flush();
    return reset;
  }

  @Override
  public boolean claimAlert(CapInstance cap, String threshold, Instant now) throws LedgerException {
    Objects.requireNonNull(cap, "cap");
    Objects.requireNonNull(threshold, "threshold");
    if (!cap.windowEnd().isAfter(now)) {
      // An ended window's claims are already forgotten; claiming one would fire stale alerts.
      return false;
    }
    byte[] record = journal == null ? null : JournalCodec.alert(cap, threshold);
    synchronized (lock) {
      LedgerState st = prepare(now);
      if (st.hasAlertClaim(cap, threshold)) {
        return false;
      }
      append(record);
      st.claimAlert(cap, threshold);
    }
    flush();
    return true;
  }

  /**
   * Charges and releases every hold older than {@code holdTtl} at the store's clock. Every
   * operation already does this for its own {@code now}; call it on a timer to release capacity
   * when traffic stops.
   */
  public void sweepExpired() throws LedgerException {
    synchronized (lock) {
      prepare(clock.instant());
    }
    flush();
  }

  /** Reservations currently held (for metrics and tests). */
  public int openHolds() {
    synchronized (lock) {
      return state.holdCount();
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (journal != null) {
        journal.close();
      }
    }
  }

  /** Under the lock: refuses after close, then expires overdue holds and ended windows. */
  private LedgerState prepare(Instant now) throws LedgerException {
    if (closed) {
      throw new LedgerException("the ledger store is closed");
    }
    LedgerState st = state;
    for (Hold h : st.expiredHolds(now)) {
      if (journal != null) {
        append(JournalCodec.expire(h.callId, now));
      }
      // Its owner is stuck or dead: charge the whole reservation, never under-count.
      st.end(h, h.amount, now.plus(holdTtl));
      log.warn("Reservation held longer than {} expired and was charged in full ({} nano-USD)",
          holdTtl, h.amount);
    }
    // A window's counter outlives its end by one hold TTL: a call that read the clock just before
    // the end may still reserve and settle on it, and must find its spend there, not a fresh zero.
    st.dropEndedWindows(now.minus(holdTtl));
    return st;
  }

  private static long roomWithLimit(Counter c, CapInstance cap) {
    return LedgerState.saturatingSubtract(
        LedgerState.saturatingSubtract(cap.limitNanos(), c.spent), c.reserved);
  }

  private void append(byte[] record) throws LedgerException {
    if (journal != null) {
      journal.append(record);
    }
  }

  private void flush() throws LedgerException {
    if (journal != null && options.sync() == JournalSync.EVERY_WRITE) {
      journal.force();
    }
  }

  private void compactIfLarge(Instant now) throws LedgerException {
    if (journal != null && journal.size() > options.compactAfterBytes()) {
      state.dropEndedWindows(now.minus(holdTtl));
      journal.rewrite(compactedRecords());
    }
  }

  /** The journal reduced to live counters plus open holds (which rebuild their reserved sums). */
  private List<byte[]> compactedRecords() {
    LedgerState st = state;
    List<byte[]> out = new ArrayList<>();
    for (Counter c : st.counters()) {
      out.add(JournalCodec.counter(c.cap, c.spent));
    }
    for (Hold h : st.openHolds()) {
      out.add(JournalCodec.reserve(h.callId, h.caps, h.amount, h.expiresAt.minus(holdTtl)));
    }
    for (LedgerState.AlertClaim claim : st.alertClaims()) {
      out.add(JournalCodec.alert(claim.cap(), claim.threshold()));
    }
    return out;
  }



  private static int indexOf(byte[] b, byte v, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }

  /** Whitespace or NUL bytes only (a file system may zero-fill a block cut by a crash). */
  private static boolean isBlank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n' && b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "MemoryLedgerStore{" + (journal == null ? "in memory" : journal.file()) + "}";
  }
}
