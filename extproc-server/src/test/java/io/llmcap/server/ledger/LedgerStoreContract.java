package io.llmcap.server.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.cap.WindowUnit;
import io.llmcap.server.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reservation semantics every {@link LedgerStore} must have. A store's test extends this and
 * supplies {@link #createStore}; shipped in the test-jar so that every store runs the same suite.
 * Cap names carry a per-test suffix, so stores backed by a shared server need no cleanup.
 */
public abstract class LedgerStoreContract {
  protected static final Duration HOLD_TTL = Duration.ofMinutes(10);

  protected final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  protected LedgerStore store;

  /** A fresh, empty store whose holds expire after {@code holdTtl}. */
  protected abstract LedgerStore createStore(Duration holdTtl, Clock clock) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = createStore(HOLD_TTL, clock);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** A daily UTC cap instance, current at the clock's instant. */
  protected CapInstance cap(String name, long limitNanos, CapAction action) {
    return capAt(name, "", limitNanos, action, clock.instant());
  }

  protected CapInstance capAt(
      String name, String subject, long limitNanos, CapAction action, Instant now) {
    WindowUnit.WindowBounds w = WindowUnit.DAY.boundsAt(now, ZoneOffset.UTC);
    return new CapInstance(
        name + "-" + run, subject, "day", w.start(), w.end(), limitNanos, action);
  }

  protected String call(String id) {
    return run + "-" + id;
  }

  protected CapStatus status(CapInstance cap) throws LedgerException {
    return store.status(List.of(cap), clock.instant()).get(0);
  }

  private Instant now() {
    return clock.instant();
  }

  @Test
  void aChargeWithoutReservationAddsSpendPastAnyLimitOnceOnly() throws Exception {
    CapInstance small = cap("charged", 100, CapAction.ENFORCE);
    CapInstance other = cap("charged-too", 1_000, CapAction.SHADOW);
    // Metered while the store was down: the call already ran, so its cost counts even past the limit.
    assertTrue(store.charge(call("metered"), List.of(small, other), 250, now()));
    assertEquals(new CapStatus(small, 250, 0), status(small));
    assertEquals(new CapStatus(other, 250, 0), status(other));
    assertFalse(store.charge(call("metered"), List.of(small), 250, now()), "a charge is idempotent per call");
    assertEquals(250, status(small).spentNanos());

    store.reserve(call("held"), List.of(other), 10, now());
    assertFalse(store.charge(call("held"), List.of(other), 10, now()), "an id that reserved is not charged again");
    assertEquals(new CapStatus(other, 250, 10), status(other));
  }

  @Test
  void grantsAndReservesOnEveryCapWhenAllHaveRoom() throws Exception {
    CapInstance a = cap("a", 1_000, CapAction.ENFORCE);
    CapInstance b = cap("b", 500, CapAction.ENFORCE);
    ReserveOutcome out = store.reserve(call("1"), List.of(a, b), 400, now());
    ReserveOutcome.Granted granted = assertInstanceOf(ReserveOutcome.Granted.class, out);
    assertEquals(List.of(new CapStatus(a, 0, 400), new CapStatus(b, 0, 400)), granted.caps());
    assertEquals(List.of(), granted.shadowWouldDeny());
  }

  @Test
  void reserveIsAllOrNothingAcrossCaps() throws Exception {
    CapInstance roomy = cap("roomy", 1_000, CapAction.ENFORCE);
    CapInstance tight = cap("tight", 500, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(roomy, tight), 400, now());

    ReserveOutcome out = store.reserve(call("2"), List.of(roomy, tight), 200, now());

    ReserveOutcome.Denied denied = assertInstanceOf(ReserveOutcome.Denied.class, out);
    assertEquals(tight, denied.blocking().cap());
    assertEquals(List.of(new CapStatus(roomy, 0, 400), new CapStatus(tight, 0, 400)),
        denied.caps());
    assertEquals(new CapStatus(roomy, 0, 400), status(roomy), "nothing reserved on the roomy cap");
  }

  @Test
  void aReservationThatExactlyFillsTheCapIsGrantedAndTheNextIsNot() throws Exception {
    CapInstance c = cap("exact", 1_000, CapAction.ENFORCE);
    assertInstanceOf(ReserveOutcome.Granted.class, store.reserve(call("1"), List.of(c), 1_000, now()));
    assertInstanceOf(ReserveOutcome.Denied.class, store.reserve(call("2"), List.of(c), 1, now()));
    assertInstanceOf(ReserveOutcome.Granted.class, store.reserve(call("3"), List.of(c), 0, now()));
  }

  @Test
  void deniedNamesTheEnforcingCapWithLeastRoom() throws Exception {
    CapInstance a = cap("a", 300, CapAction.ENFORCE);
    CapInstance b = cap("b", 100, CapAction.ENFORCE);
    CapInstance c = cap("c", 10_000, CapAction.ENFORCE);
    CapInstance shadow = cap("s", 1, CapAction.SHADOW);
    ReserveOutcome out = store.reserve(call("1"), List.of(a, b, c, shadow), 500, now());
    assertEquals(b, assertInstanceOf(ReserveOutcome.Denied.class, out).blocking().cap());
  }

  @Test
  void shadowCapsAreReservedNeverDenyAndReportWhatTheyWouldDeny() throws Exception {
    CapInstance enforce = cap("e", 1_000, CapAction.ENFORCE);
    CapInstance shadow = cap("s", 100, CapAction.SHADOW);
    ReserveOutcome out = store.reserve(call("1"), List.of(enforce, shadow), 150, now());
    ReserveOutcome.Granted g = assertInstanceOf(ReserveOutcome.Granted.class, out);
    assertEquals(List.of(new CapStatus(shadow, 0, 150)), g.shadowWouldDeny());
    assertEquals(new CapStatus(shadow, 0, 150), status(shadow));

    ReserveOutcome again = store.reserve(call("2"), List.of(shadow), 50, now());
    assertEquals(1, assertInstanceOf(ReserveOutcome.Granted.class, again).shadowWouldDeny().size());
  }

  @Test
  void settleMovesTheActualCostIntoSpentAndReleasesTheHold() throws Exception {
    CapInstance a = cap("a", 1_000, CapAction.ENFORCE);
    CapInstance b = cap("b", 2_000, CapAction.SHADOW);
    store.reserve(call("1"), List.of(a, b), 600, now());
    assertTrue(store.settle(call("1"), 250, now()));
    assertEquals(new CapStatus(a, 250, 0), status(a));
    assertEquals(new CapStatus(b, 250, 0), status(b));
    assertEquals(750, status(a).remainingNanos());
  }

  @Test
  void settleChargesTheActualCostEvenAboveTheReservation() throws Exception {
    CapInstance a = cap("a", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(a), 600, now());
    assertTrue(store.settle(call("1"), 1_200, now()));
    CapStatus s = status(a);
    assertEquals(new CapStatus(a, 1_200, 0), s);
    assertTrue(s.exhausted());
    assertEquals(0, s.remainingNanos());
    assertInstanceOf(ReserveOutcome.Denied.class, store.reserve(call("2"), List.of(a), 0 + 1, now()));
  }

  @Test
  void settleIsIdempotentAndUnknownCallsChangeNothing() throws Exception {
    CapInstance a = cap("a", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(a), 600, now());
    assertTrue(store.settle(call("1"), 100, now()));
    assertFalse(store.settle(call("1"), 100, now()));
    assertFalse(store.settle(call("1"), 900, now()));
    assertFalse(store.settle(call("never-reserved"), 500, now()));
    assertEquals(new CapStatus(a, 100, 0), status(a));
  }

  @Test
  void reservingTwiceForOneCallIsAnError() throws Exception {
    CapInstance a = cap("a", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(a), 100, now());
    assertThrows(IllegalStateException.class,
        () -> store.reserve(call("1"), List.of(a), 100, now()));
    store.settle(call("1"), 100, now());
    assertThrows(IllegalStateException.class,
        () -> store.reserve(call("1"), List.of(a), 100, now()), "a settled id is remembered");
    assertEquals(new CapStatus(a, 100, 0), status(a));
  }

  @Test
  void statusOfUntouchedCapsIsZeroAndSnapshotListsTouchedOnes() throws Exception {
    CapInstance touched = capAt("t", "svc-a", 1_000, CapAction.ENFORCE, now());
    CapInstance other = capAt("t", "svc-b", 1_000, CapAction.ENFORCE, now());
    CapInstance untouched = cap("u", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(touched), 10, now());
    store.reserve(call("2"), List.of(other), 20, now());
    store.settle(call("2"), 5, now());

    assertEquals(new CapStatus(untouched, 0, 0), status(untouched));
    List<CapStatus> mine = store.snapshot(now()).stream()
        .filter(s -> s.cap().capName().equals(touched.capName())).toList();
    assertEquals(List.of(new CapStatus(touched, 0, 10), new CapStatus(other, 5, 0)), mine);
  }

  @Test
  void aNewWindowStartsEmptyAndTheEndedOneLeavesTheSnapshot() throws Exception {
    clock.set(Instant.parse("2026-11-23T23:30:00Z"));
    CapInstance today = cap("daily", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(today), 1_000, now());
    store.settle(call("1"), 1_000, now());
    assertInstanceOf(ReserveOutcome.Denied.class, store.reserve(call("2"), List.of(today), 1, now()));

    clock.set(Instant.parse("2026-11-24T00:00:00Z"));
    CapInstance tomorrow = cap("daily", 1_000, CapAction.ENFORCE);
    assertEquals(Instant.parse("2026-11-24T00:00:00Z"), tomorrow.windowStart());
    assertInstanceOf(ReserveOutcome.Granted.class,
        store.reserve(call("3"), List.of(tomorrow), 1_000, now()));
    List<CapStatus> snap = store.snapshot(now()).stream()
        .filter(s -> s.cap().capName().equals(today.capName())).toList();
    assertEquals(List.of(new CapStatus(tomorrow, 0, 1_000)), snap);
  }

  @Test
  void aHoldNotSettledWithinItsTtlIsChargedInFullAndReleased() throws Exception {
    CapInstance a = cap("a", 1_000, CapAction.ENFORCE);
    store.reserve(call("stuck"), List.of(a), 300, now());
    clock.advance(HOLD_TTL.minusSeconds(1));
    assertEquals(new CapStatus(a, 0, 300), status(a));

    clock.advance(Duration.ofSeconds(1));
    assertEquals(new CapStatus(a, 300, 0), status(a));
    assertFalse(store.settle(call("stuck"), 10, now()), "a late settle changes nothing");
    assertEquals(new CapStatus(a, 300, 0), status(a));
  }

  @Test
  void concurrentReservationsNeverExceedTheLimit() throws Exception {
    CapInstance small = cap("small", 10_000, CapAction.ENFORCE);
    CapInstance big = cap("big", 1_000_000, CapAction.ENFORCE);
    int threads = 300;
    long amount = 100;
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<String> granted = new ConcurrentLinkedQueue<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      String id = call("c" + i);
      Thread t = new Thread(() -> {
        try {
          start.await();
          if (store.reserve(id, List.of(big, small), amount, now())
              instanceof ReserveOutcome.Granted) {
            granted.add(id);
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      });
      t.start();
      all.add(t);
    }
    start.countDown();
    for (Thread t : all) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    assertEquals(100, granted.size(), "exactly limit/amount calls fit, none more");
    assertEquals(new CapStatus(small, 0, 10_000), status(small));

    for (String id : granted) {
      assertTrue(store.settle(id, 60, now()));
    }
    assertEquals(new CapStatus(small, 6_000, 0), status(small));
    assertEquals(new CapStatus(big, 6_000, 0), status(big));
  }

  @Test
  void reserveAndSettleUnderContentionKeepSpentWithinTheLimit() throws Exception {
    CapInstance cap = cap("churn", 50_000, CapAction.ENFORCE);
    int threads = 16;
    int perThread = 300;
    AtomicInteger ids = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            String id = call("m" + ids.incrementAndGet());
            if (store.reserve(id, List.of(cap), 40, now()) instanceof ReserveOutcome.Granted) {
              assertTrue(store.settle(id, 1 + (i % 40), now()));
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      });
      th.start();
      all.add(th);
    }
    start.countDown();
    for (Thread th : all) {
      th.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    CapStatus s = status(cap);
    assertEquals(0, s.reservedNanos());
    assertTrue(s.spentNanos() <= 50_000, "spent " + s.spentNanos() + " past the limit");
    assertTrue(s.spentNanos() > 50_000 - 40, "denied while room was left: " + s.spentNanos());
  }

  // ---- reset and alert claims (admin writes and alerts) ----

  @Test
  void resetZeroesSpentOfEverySubjectButKeepsOpenReservations() throws Exception {
    CapInstance alice = capAt("per", "alice", 1_000, CapAction.ENFORCE, now());
    CapInstance bob = capAt("per", "bob", 1_000, CapAction.ENFORCE, now());
    CapInstance other = cap("other", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(alice, other), 300, now());
    store.settle(call("1"), 300, now());
    store.reserve(call("2"), List.of(bob), 200, now());
    store.settle(call("2"), 200, now());
    store.reserve(call("3"), List.of(bob), 50, now());

    assertEquals(2, store.reset(alice.capName(), null, now()));

    assertEquals(new CapStatus(alice, 0, 0), status(alice));
    assertEquals(new CapStatus(bob, 0, 50), status(bob), "the open hold stays reserved");
    assertEquals(new CapStatus(other, 300, 0), status(other), "other caps are untouched");
    store.settle(call("3"), 40, now());
    assertEquals(new CapStatus(bob, 40, 0), status(bob), "a hold from before the reset still settles");
  }

  @Test
  void resetOfOneSubjectLeavesTheOthers() throws Exception {
    CapInstance alice = capAt("per", "alice", 1_000, CapAction.ENFORCE, now());
    CapInstance bob = capAt("per", "bob", 1_000, CapAction.ENFORCE, now());
    store.reserve(call("1"), List.of(alice), 300, now());
    store.settle(call("1"), 300, now());
    store.reserve(call("2"), List.of(bob), 200, now());
    store.settle(call("2"), 200, now());

    assertEquals(1, store.reset(alice.capName(), "bob", now()));

    assertEquals(300, status(alice).spentNanos());
    assertEquals(0, status(bob).spentNanos());
    assertEquals(0, store.reset(alice.capName(), "carol", now()), "an untouched subject resets nothing");
    assertEquals(0, store.reset("no-such-cap-" + call("x"), null, now()));
  }

  @Test
  void aResetCapHasRoomAgainAtOnce() throws Exception {
    CapInstance c = cap("full", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(c), 1_000, now());
    store.settle(call("1"), 1_000, now());
    assertInstanceOf(ReserveOutcome.Denied.class, store.reserve(call("2"), List.of(c), 1, now()));

    store.reset(c.capName(), null, now());

    assertInstanceOf(ReserveOutcome.Granted.class, store.reserve(call("3"), List.of(c), 1_000, now()));
  }

  @Test
  void resetNeverTouchesAnEndedWindow() throws Exception {
    CapInstance yesterday = cap("daily", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(yesterday), 400, now());
    store.settle(call("1"), 400, now());
    clock.advance(Duration.ofDays(1));
    CapInstance today = cap("daily", 1_000, CapAction.ENFORCE);
    store.reserve(call("2"), List.of(today), 100, now());
    store.settle(call("2"), 100, now());

    assertEquals(1, store.reset(today.capName(), null, now()));
    assertEquals(0, status(today).spentNanos());
  }

  @Test
  void anAlertIsClaimedOncePerInstanceAndThreshold() throws Exception {
    CapInstance alice = capAt("alerting", "alice", 1_000, CapAction.ENFORCE, now());
    CapInstance bob = capAt("alerting", "bob", 1_000, CapAction.ENFORCE, now());

    assertTrue(store.claimAlert(alice, "0.5", now()));
    assertFalse(store.claimAlert(alice, "0.5", now()));
    assertTrue(store.claimAlert(alice, "0.8", now()), "another threshold is another claim");
    assertTrue(store.claimAlert(bob, "0.5", now()), "another subject is another instance");
  }

  @Test
  void concurrentAlertClaimsHaveExactlyOneWinner() throws Exception {
    CapInstance c = cap("race", 1_000, CapAction.ENFORCE);
    AtomicInteger winners = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < 16; i++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          if (store.claimAlert(c, "1.0", now())) {
            winners.incrementAndGet();
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      t.start();
      threads.add(t);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(List.of(), List.copyOf(errors));
    assertEquals(1, winners.get());
  }

  @Test
  void aNewWindowAndAResetReleaseAlertClaims() throws Exception {
    CapInstance today = cap("windowed", 1_000, CapAction.ENFORCE);
    store.reserve(call("1"), List.of(today), 10, now());
    assertTrue(store.claimAlert(today, "0.5", now()));

    store.reset(today.capName(), null, now());
    assertTrue(store.claimAlert(today, "0.5", now()), "a reset instance can alert again");

    clock.advance(Duration.ofDays(1));
    CapInstance tomorrow = cap("windowed", 1_000, CapAction.ENFORCE);
    assertTrue(store.claimAlert(tomorrow, "0.5", now()));
    assertFalse(store.claimAlert(today, "0.8", now()), "an ended window cannot be claimed");
  }
}
