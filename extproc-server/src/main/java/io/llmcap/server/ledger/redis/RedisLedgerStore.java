package io.llmcap.server.ledger.redis;

import static io.llmcap.server.ledger.LedgerArguments.distinct;
import static io.llmcap.server.ledger.LedgerArguments.requireCallId;
import static io.llmcap.server.ledger.LedgerArguments.requireNotNegative;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.ReserveOutcome;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger shared by every replica: counters and holds in Redis (standalone, TLS, Sentinel or
 * Cluster), each decision one atomic Lua script. The semantics are those of the memory store
 * (see {@link io.llmcap.server.ledger.memory.MemoryLedgerStore}): reserve all-or-nothing across
 * every cap, shadow caps reserved but never denying, settle idempotent per call id, a hold older
 * than the hold TTL charged in full exactly once (by whichever script sees it first, or by the
 * background sweep), the latest cap definition wins, duplicate cap keys counted once.
 *
 * <p>Time comes from the caller's {@code now}, never from Redis, so every replica and the tests'
 * fake clock agree on hold deadlines and windows. Replicas must keep their clocks in sync (NTP):
 * a replica whose clock runs ahead sweeps other replicas' holds early (charging them in full).
 *
 * <p>Failure: every command is bounded by {@link Options#commandTimeout()} and fails at once while
 * disconnected, surfacing as {@link LedgerException} for the caller's {@code store.onFailure}
 * policy. Opening never fails because Redis is down: the store keeps trying to connect in the
 * background and answers as soon as Redis is there. Settles that fail are queued and replayed
 * (see {@link SettleReplayQueue}).
 */
public final class RedisLedgerStore implements LedgerStore {
  private static final Logger log = LoggerFactory.getLogger(RedisLedgerStore.class);

  /** Limits beyond this cannot be compared exactly by Lua's double-precision numbers. */
  public static final long MAX_LIMIT_NANOS = (1L << 53) - 1;

  /** Expired holds a single script charges; the background sweep takes care of any backlog. */
  static final int SWEEP_BATCH = 100;

  /** How long a cap's counter outlives its window, beyond the hold TTL (late settles, clock skew). */
  static final Duration KEY_MARGIN = Duration.ofHours(1);

  private static final int SNAPSHOT_PAGE = 500;

  private static final LuaScript RESERVE = LuaScript.load("reserve.lua");
  private static final LuaScript SETTLE = LuaScript.load("settle.lua");
  private static final LuaScript STATUS = LuaScript.load("status.lua");
  private static final LuaScript SNAPSHOT = LuaScript.load("snapshot.lua");
  private static final LuaScript SWEEP = LuaScript.load("sweep.lua");
  private static final LuaScript RESET = LuaScript.load("reset.lua");
  private static final LuaScript CHARGE = LuaScript.load("charge.lua");
  private static final LuaScript CLAIM_ALERT = LuaScript.load("claim-alert.lua");
  private static final List<LuaScript> SCRIPTS = List.of(RESERVE, SETTLE, STATUS, SNAPSHOT, SWEEP);

  /**
   * Tuning of the Redis store.
   *
   * @param commandTimeout longest wait for one Redis answer; keep it well under Envoy's ext_proc
   *     message timeout (a decision makes at most two round trips)
   * @param connectTimeout longest wait to open a connection, TLS handshake included
   * @param ledgerName the hash tag of every key ({@code {llmcap}}); separate ledgers on one
   *     Redis, and separate Cluster slots, need separate names
   * @param trustedCertificates PEM file of the CA(s) a {@code rediss://} server's certificate must
   *     chain to; null for the JVM's default trust store
   * @param exhaustedCacheTtl how long a headers-phase answer showing an exhausted cap is reused
   *     locally; {@link Duration#ZERO} turns the local view off
   * @param settleReplayCapacity failed settles kept for replay (oldest dropped beyond it)
   * @param maintenanceInterval period of reconnect attempts, settle replays and the hold sweep
   */
  public record Options(Duration commandTimeout, Duration connectTimeout, String ledgerName,
      Path trustedCertificates, Duration exhaustedCacheTtl, int settleReplayCapacity,
      Duration maintenanceInterval) {

    public static final Options DEFAULT = new Options(Duration.ofMillis(250),
        Duration.ofSeconds(1), "llmcap", null, Duration.ofSeconds(1), 100_000,
        Duration.ofSeconds(1));

    public Options {
      requirePositive(commandTimeout, "commandTimeout");
      requirePositive(connectTimeout, "connectTimeout");
      requirePositive(maintenanceInterval, "maintenanceInterval");
      Objects.requireNonNull(ledgerName, "ledgerName");
      if (exhaustedCacheTtl == null || exhaustedCacheTtl.isNegative()) {
        throw new IllegalArgumentException("exhaustedCacheTtl must be zero or positive, got "
            + exhaustedCacheTtl);
      }
      if (settleReplayCapacity < 0) {
        throw new IllegalArgumentException("settleReplayCapacity must not be negative, got "
            + settleReplayCapacity);
      }
    }

    public Options withCommandTimeout(Duration d) {
      return new Options(d, connectTimeout, ledgerName, trustedCertificates, exhaustedCacheTtl,
          settleReplayCapacity, maintenanceInterval);
    }

    public Options withConnectTimeout(Duration d) {
      return new Options(commandTimeout, d, ledgerName, trustedCertificates, exhaustedCacheTtl,
          settleReplayCapacity, maintenanceInterval);
    }

    public Options withLedgerName(String name) {
      return new Options(commandTimeout, connectTimeout, name, trustedCertificates,
          exhaustedCacheTtl, settleReplayCapacity, maintenanceInterval);
    }

    public Options withTrustedCertificates(Path pem) {
      return new Options(commandTimeout, connectTimeout, ledgerName, pem, exhaustedCacheTtl,
          settleReplayCapacity, maintenanceInterval);
    }

    public Options withExhaustedCacheTtl(Duration ttl) {
      return new Options(commandTimeout, connectTimeout, ledgerName, trustedCertificates, ttl,
          settleReplayCapacity, maintenanceInterval);
    }

    public Options withMaintenanceInterval(Duration interval) {
      return new Options(commandTimeout, connectTimeout, ledgerName, trustedCertificates,
          exhaustedCacheTtl, settleReplayCapacity, interval);
    }

    private static void requirePositive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
    }
  }

  private final RedisConnector connector;
  /** Settles that may wait for the background settler; past this they go to the replay queue. */
  static final int SETTLE_QUEUE = 16_384;

  private final RedisKeys keys;
  private final Duration holdTtl;
  private final Clock clock;
  private final Options options;
  private final ExhaustedCapsView exhausted;
  private final SettleReplayQueue replay;
  private final BackgroundSettler settler;
  private final ScheduledExecutorService maintenance;
  private volatile boolean closed;
  private volatile String lastConnectFailure = "not tried yet";

  private RedisLedgerStore(RedisEndpoint endpoint, Duration holdTtl, Clock clock, Options options) {
    this.holdTtl = holdTtl;
    this.clock = clock;
    this.options = options;
    this.keys = new RedisKeys(options.ledgerName());
    this.connector = new RedisConnector(endpoint, options);
    this.exhausted = options.exhaustedCacheTtl().isZero()
        ? null : new ExhaustedCapsView(options.exhaustedCacheTtl());
    this.replay = new SettleReplayQueue(options.settleReplayCapacity());
    this.settler = new BackgroundSettler(SETTLE_QUEUE, options.commandTimeout(), new BackgroundSettler.Redis() {
      @Override
      public java.util.concurrent.CompletableFuture<?> send(SettleReplayQueue.PendingSettle p) {
        var redis = connector.asyncCommands();
        if (redis == null || closed) {
          throw new IllegalStateException("not connected to Redis");
        }
        return redis.evalsha(SETTLE.sha(), ScriptOutputType.INTEGER, settleKeys(p.callId()),
            settleArgs(p.callId(), p.nanos(), p.at()).toArray(String[]::new)).toCompletableFuture();
      }

      @Override
      public void settleNow(SettleReplayQueue.PendingSettle p) throws LedgerException {
        settleInRedis(p.callId(), p.nanos(), p.at());
      }
    }, p -> logDropped(replay.add(p)));
    this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "llmcap-redis-ledger");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens the store. Redis need not be up: when the first connection fails, the store starts
   * anyway, every operation throws {@link LedgerException} (so {@code store.onFailure} decides),
   * and it keeps connecting in the background until Redis answers.
   *
   * @throws IllegalArgumentException for a malformed URI or bad options
   */
  public static RedisLedgerStore open(RedisEndpoint endpoint, Duration holdTtl, Clock clock,
      Options options) {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(options, "options");
    if (holdTtl == null || holdTtl.toMillis() <= 0) {
      throw new IllegalArgumentException("holdTtl must be at least 1 ms, got " + holdTtl);
    }
    RedisLedgerStore store = new RedisLedgerStore(endpoint, holdTtl, clock, options);
    if (!store.tryConnect()) {
      log.warn("Redis ledger at {} is not reachable ({}); starting anyway, decisions follow "
              + "store.onFailure until it answers, retrying every {} ms",
          store.connector.description(), store.lastConnectFailure,
          options.maintenanceInterval().toMillis());
    }
    long every = options.maintenanceInterval().toMillis();
    store.maintenance.scheduleWithFixedDelay(store::maintain, every, every, TimeUnit.MILLISECONDS);
    return store;
  }

  /** Whether the store is connected to Redis now (for readiness). */
  public boolean isConnected() {
    return connector.commands() != null && connector.isOpen();
  }

  /** Settles waiting to be replayed to Redis (for metrics and tests). */
  public int pendingSettles() {
    return replay.size();
  }

  /** Settles dropped because the replay queue was full (their holds are charged in full by TTL). */
  public long droppedSettles() {
    return replay.dropped();
  }

  @Override
  public ReserveOutcome reserve(String callId, List<CapInstance> caps, long amountNanos,
      Instant now) throws LedgerException {
    requireCallId(callId);
    Objects.requireNonNull(now, "now");
    requireNotNegative(amountNanos, "amountNanos");
    List<CapInstance> distinct = distinct(caps);
    if (distinct.isEmpty()) {
      return new ReserveOutcome.Granted(List.of(), List.of());
    }
    String[] k = new String[4 + distinct.size()];
    k[0] = keys.holds();
    k[1] = keys.capIndex();
    k[2] = keys.hold(callId);
    k[3] = keys.ended(callId);
    List<String> args = new ArrayList<>(6 + 10 * distinct.size());
    args.addAll(commonArgs(now));
    args.add(Long.toString(amountNanos));
    args.add(Long.toString(now.toEpochMilli() + holdTtl.toMillis()));
    for (int i = 0; i < distinct.size(); i++) {
      CapInstance cap = distinct.get(i);
      checkLimit(cap);
      k[4 + i] = keys.cap(cap);
      args.addAll(capArgs(cap, now));
    }
    List<Object> reply = run(RESERVE, "reserve", k, args);
    String code = (String) reply.get(0);
    if ("DUP".equals(code)) {
      throw new IllegalStateException("call " + callId + " already reserved (call ids must be "
          + "unique per call)");
    }
    List<CapStatus> statuses = new ArrayList<>(distinct.size());
    List<CapStatus> shadowWouldDeny = new ArrayList<>(0);
    for (int i = 0; i < distinct.size(); i++) {
      CapStatus s = new CapStatus(distinct.get(i), asLong(reply.get(2 + 3 * i)),
          asLong(reply.get(3 + 3 * i)));
      statuses.add(s);
      if (asLong(reply.get(4 + 3 * i)) == 1) {
        shadowWouldDeny.add(s);
      }
    }
    if ("D".equals(code)) {
      int blocking = (int) asLong(reply.get(1)) - 1;
      if (exhausted != null) {
        exhausted.rememberEach(statuses);
      }
      return new ReserveOutcome.Denied(statuses.get(blocking), statuses);
    }
    return new ReserveOutcome.Granted(statuses, shadowWouldDeny);
  }

  @Override
  public boolean settle(String callId, long actualNanos, Instant now) throws LedgerException {
    requireCallId(callId);
    Objects.requireNonNull(now, "now");
    requireNotNegative(actualNanos, "actualNanos");
    try {
      return settleInRedis(callId, actualNanos, now);
    } catch (LedgerException e) {
      logDropped(replay.add(new SettleReplayQueue.PendingSettle(callId, actualNanos, now)));
      throw new LedgerException(e.getMessage() + "; the settle is queued and will be replayed "
          + "when Redis answers (its hold is charged in full if that takes longer than "
          + holdTtl + ")", e.getCause());
    }
  }

  /**
   * Queues the settle for {@link BackgroundSettler}, which sends queued settles in pipelined
   * bursts: the call's last reply does not wait for Redis. When that queue is full, or a settle
   * fails, it joins the replay queue, as a {@link #settle} that failed does.
   */
  @Override
  public void settleSoon(String callId, long actualNanos, Instant now) {
    requireCallId(callId);
    Objects.requireNonNull(now, "now");
    requireNotNegative(actualNanos, "actualNanos");
    SettleReplayQueue.PendingSettle p = new SettleReplayQueue.PendingSettle(callId, actualNanos, now);
    if (!settler.offer(p)) {
      logDropped(replay.add(p));
    }
  }

  @Override
  public boolean settleSoonMayBlock() {
    return false;
  }

  @Override
  public List<CapStatus> status(List<CapInstance> caps, Instant now) throws LedgerException {
    Objects.requireNonNull(now, "now");
    if (caps.isEmpty()) {
      return List.of();
    }
    if (exhausted != null) {
      Optional<List<CapStatus>> known = exhausted.lookup(caps, now);
      if (known.isPresent()) {
        return known.get();
      }
    }
    String[] k = new String[1 + caps.size()];
    k[0] = keys.holds();
    for (int i = 0; i < caps.size(); i++) {
      k[1 + i] = keys.cap(caps.get(i));
    }
    List<Object> reply = run(STATUS, "status", k, commonArgs(now));
    List<CapStatus> out = new ArrayList<>(caps.size());
    for (int i = 0; i < caps.size(); i++) {
      out.add(new CapStatus(caps.get(i), asLong(reply.get(2 * i)), asLong(reply.get(2 * i + 1))));
    }
    if (exhausted != null) {
      exhausted.remember(caps, out);
    }
    return out;
  }

  /**
   * From the exhausted-caps view only: caps this replica saw spent to their limit in a status
   * answer or a denied reservation within {@code exhaustedCacheTtl}. No round trip, so the
   * request-headers phase never waits on Redis; the reservation stays the authoritative check.
   */
  @Override
  public Optional<CapStatus> knownExhausted(List<CapInstance> caps, Instant now) {
    return exhausted == null ? Optional.empty() : exhausted.knownExhausted(caps, now);
  }

  /** One script round trip that reads no cap (it sweeps expired holds, usually none). */
  @Override
  public void ping(Instant now) throws LedgerException {
    run(STATUS, "ping", new String[] {keys.holds()}, commonArgs(now));
  }

  @Override
  public List<CapStatus> snapshot(Instant now) throws LedgerException {
    Objects.requireNonNull(now, "now");
    List<CapStatus> out = new ArrayList<>();
    String[] k = {keys.holds(), keys.capIndex()};
    for (int offset = 0; ; offset += SNAPSHOT_PAGE) {
      List<String> args = new ArrayList<>(commonArgs(now));
      args.add(Integer.toString(offset));
      args.add(Integer.toString(SNAPSHOT_PAGE));
      List<Object> reply = run(SNAPSHOT, "snapshot", k, args);
      for (int i = 1; i + 9 <= reply.size(); i += 9) {
        CapStatus s = snapshotEntry(reply, i);
        if (!s.cap().windowStart().isAfter(now) && s.cap().windowEnd().isAfter(now)) {
          out.add(s);
        }
      }
      if (asLong(reply.get(0)) < SNAPSHOT_PAGE) {
        break;
      }
    }
    out.sort(Comparator.comparing((CapStatus s) -> s.cap().capName())
        .thenComparing(s -> s.cap().subject()));
    return out;
  }

  @Override
  public int reset(String capName, String subject, Instant now) throws LedgerException {
    Objects.requireNonNull(now, "now");
    List<String> args = List.of(Long.toString(now.toEpochMilli()), capName, subject == null ? "0" : "1",
        subject == null ? "" : subject);
    int reset = (int) asLong(runValue(RESET, "reset", new String[] {keys.capIndex()}, args));
    if (exhausted != null) {
      exhausted.clear();
    }
    return reset;
  }

  @Override
  public boolean claimAlert(CapInstance cap, String threshold, Instant now) throws LedgerException {
    if (!cap.windowEnd().isAfter(now)) {
      return false;
    }
    List<String> args = List.of(threshold, Long.toString(keyTtlMillis(cap, now)));
    return asLong(runValue(CLAIM_ALERT, "alert claim", new String[] {keys.cap(cap)}, args)) == 1;
  }

  /**
   * Charges and releases holds older than the hold TTL at the store's clock, in batches until
   * none is left. Every script already sweeps a batch for its own {@code now}; this runs on a
   * timer so capacity comes back when traffic stops.
   *
   * @return how many holds were charged
   */
  public int sweepExpired() throws LedgerException {
    int total = 0;
    while (true) {
      int swept = (int) asLong(
          runValue(SWEEP, "sweep", new String[] {keys.holds()}, commonArgs(clock.instant())));
      total += swept;
      if (swept < SWEEP_BATCH) {
        return total;
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    settler.close();
    maintenance.shutdownNow();
    if (replay.size() > 0 && connector.commands() != null) {
      try {
        // Settles that failed in the settler's last bursts get one more try before the connection goes.
        replayPendingSettles();
      } catch (LedgerException | RuntimeException e) {
        log.debug("last replay before closing failed: {}", e.getMessage());
      }
    }
    closed = true;
    if (replay.size() > 0) {
      log.warn("Closing the Redis ledger with {} settles not replayed; their holds are charged in "
          + "full when their TTL passes", replay.size());
    }
    connector.close();
  }

  @Override
  public String toString() {
    return "RedisLedgerStore{" + connector.description() + ", ledger " + keys.prefix() + "}";
  }

  // ---- internals ----

  /**
   * {@inheritDoc}
   *
   * <p>When Redis does not answer, the charge joins the settle replay queue and is applied when it
   * answers again (at the instant it was metered); the method still throws, so the caller can log.
   */
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
    try {
      return chargeInRedis(callId, distinct, amountNanos, now);
    } catch (LedgerException e) {
      logDropped(replay.add(new SettleReplayQueue.PendingCharge(callId, distinct, amountNanos, now)));
      throw new LedgerException(e.getMessage() + "; the charge is queued and will be applied when Redis answers",
          e.getCause());
    }
  }

  private boolean chargeInRedis(String callId, List<CapInstance> caps, long amountNanos, Instant now)
      throws LedgerException {
    String[] k = new String[3 + caps.size()];
    k[0] = keys.capIndex();
    k[1] = keys.hold(callId);
    k[2] = keys.ended(callId);
    List<String> args = new ArrayList<>(2 + 10 * caps.size());
    args.add(Long.toString(holdTtl.toMillis()));
    args.add(Long.toString(amountNanos));
    for (int i = 0; i < caps.size(); i++) {
      CapInstance cap = caps.get(i);
      k[3 + i] = keys.cap(cap);
      args.addAll(capArgs(cap, now));
    }
    return asLong(runValue(CHARGE, "charge", k, args)) == 1;
  }

  private void logDropped(SettleReplayQueue.Pending dropped) {
    if (dropped instanceof SettleReplayQueue.PendingSettle settle) {
      log.error("Settle replay queue full ({}): dropped the settle of {} ({} nano-USD); its hold "
          + "will be charged in full when its TTL passes", options.settleReplayCapacity(),
          settle.callId(), settle.nanos());
    } else if (dropped instanceof SettleReplayQueue.PendingCharge charge) {
      log.error("Settle replay queue full ({}): dropped the charge of {} ({} nano-USD) metered while Redis "
          + "was down; that spend is lost to the caps", options.settleReplayCapacity(), charge.callId(),
          charge.nanos());
    }
  }

  private boolean settleInRedis(String callId, long actualNanos, Instant now)
      throws LedgerException {
    return asLong(runValue(SETTLE, "settle", settleKeys(callId), settleArgs(callId, actualNanos, now))) == 1;
  }

  private String[] settleKeys(String callId) {
    return new String[] {keys.holds(), keys.hold(callId), keys.ended(callId)};
  }

  private List<String> settleArgs(String callId, long actualNanos, Instant now) {
    List<String> args = new ArrayList<>(commonArgs(now));
    args.add(Long.toString(actualNanos));
    args.add(callId);
    return args;
  }

  /** Reconnects, replays queued settles, sweeps expired holds; never throws. */
  private void maintain() {
    if (closed) {
      return;
    }
    if (connector.commands() == null && !tryConnect()) {
      return;
    }
    try {
      replayPendingSettles();
      int swept = sweepExpired();
      if (swept > 0) {
        log.warn("Charged {} reservations in full whose holder did not settle within {}", swept,
            holdTtl);
      }
    } catch (LedgerException e) {
      log.debug("Redis ledger maintenance skipped: {}", e.getMessage());
    } catch (RuntimeException e) {
      log.error("Redis ledger maintenance failed", e);
    }
  }

  private void replayPendingSettles() throws LedgerException {
    int replayed = 0;
    for (SettleReplayQueue.Pending p = replay.peek(); p != null; p = replay.peek()) {
      boolean applied = p instanceof SettleReplayQueue.PendingSettle settle
          ? settleInRedis(settle.callId(), settle.nanos(), settle.at())
          : chargeInRedis(p.callId(), ((SettleReplayQueue.PendingCharge) p).caps(), p.nanos(),
              ((SettleReplayQueue.PendingCharge) p).at());
      replay.remove(p);
      replayed++;
      if (!applied) {
        log.info("Replayed {} of {} changed nothing (already applied{})",
            p instanceof SettleReplayQueue.PendingSettle ? "settle" : "charge", p.callId(),
            p instanceof SettleReplayQueue.PendingSettle ? ", or its hold was charged in full by its TTL" : "");
      }
    }
    if (replayed > 0) {
      log.info("Replayed {} settles and charges that had failed while Redis was unreachable", replayed);
    }
  }


  private boolean tryConnect() {
    try {
      connector.connect();
      loadScripts();
      log.info("Redis ledger connected to {}", connector.description());
      return true;
    } catch (RedisException e) {
      lastConnectFailure = rootMessage(e);
      return false;
    }
  }

  /** Warms the server's script cache; a failure here is harmless (EVAL fallback on NOSCRIPT). */
  private void loadScripts() {
    RedisScriptingCommands<String, String> redis = connector.commands();
    for (LuaScript script : SCRIPTS) {
      try {
        String sha = redis.scriptLoad(script.source());
        if (!script.sha().equals(sha)) {
          throw new IllegalStateException("Redis hashed " + script.name() + " to " + sha
              + ", expected " + script.sha());
        }
      } catch (RedisException e) {
        log.debug("Could not preload {}: {}", script.name(), e.getMessage());
      }
    }
  }

  @SuppressWarnings("unchecked")
  private List<Object> run(LuaScript script, String op, String[] k, List<String> args)
      throws LedgerException {
    return (List<Object>) execute(script, op, k, args, ScriptOutputType.MULTI);
  }

  private Object runValue(LuaScript script, String op, String[] k, List<String> args)
      throws LedgerException {
    return execute(script, op, k, args, ScriptOutputType.INTEGER);
  }

  private Object execute(LuaScript script, String op, String[] k, List<String> args,
      ScriptOutputType type) throws LedgerException {
    if (closed) {
      throw new LedgerException("the Redis ledger store is closed");
    }
    RedisScriptingCommands<String, String> redis = connector.commands();
    if (redis == null) {
      throw new LedgerException("Redis at " + connector.description() + " has not been reachable "
          + "since start (" + lastConnectFailure + "); retrying in the background");
    }
    try {
      return script.run(redis, type, k, args.toArray(String[]::new));
    } catch (RedisCommandTimeoutException e) {
      throw new LedgerException("Redis at " + connector.description() + " did not answer " + op
          + " within " + options.commandTimeout().toMillis() + " ms", e);
    } catch (RedisException e) {
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
      }
      throw new LedgerException("Redis at " + connector.description() + " failed " + op + ": "
          + rootMessage(e), e);
    }
  }

  private List<String> commonArgs(Instant now) {
    return List.of(keys.prefix(), Long.toString(now.toEpochMilli()),
        Long.toString(holdTtl.toMillis()), Integer.toString(SWEEP_BATCH));
  }

  /** A cap instance's definition as the scripts store it in its hash (10 values). */
  private List<String> capArgs(CapInstance cap, Instant now) {
    return List.of(Long.toString(cap.limitNanos()), cap.action().name(), cap.capName(), cap.subject(), cap.window(),
        cap.windowStart().toString(), cap.windowEnd().toString(),
        isTotal(cap) ? "+inf" : Long.toString(cap.windowEnd().toEpochMilli()), Long.toString(keyTtlMillis(cap, now)),
        Long.toString(cap.windowStart().toEpochMilli()));
  }

  private long keyTtlMillis(CapInstance cap, Instant now) {
    if (isTotal(cap)) {
      return 0;
    }
    long untilEnd = Math.max(0, cap.windowEnd().toEpochMilli() - now.toEpochMilli());
    return untilEnd + holdTtl.toMillis() + KEY_MARGIN.toMillis();
  }

  private static boolean isTotal(CapInstance cap) {
    return cap.windowEnd().equals(Instant.MAX);
  }

  private static void checkLimit(CapInstance cap) {
    if (cap.limitNanos() > MAX_LIMIT_NANOS) {
      throw new IllegalArgumentException("cap '" + cap.capName() + "' has a limit of "
          + cap.limitNanos() + " nano-USD, above the Redis ledger's exact maximum of "
          + MAX_LIMIT_NANOS + " (about $9,007,199); lower limitUsd or split the cap");
    }
  }

  private static CapStatus snapshotEntry(List<Object> r, int i) {
    CapInstance cap = new CapInstance((String) r.get(i), (String) r.get(i + 1),
        (String) r.get(i + 2), Instant.parse((String) r.get(i + 3)),
        Instant.parse((String) r.get(i + 4)), asLong(r.get(i + 5)),
        CapAction.valueOf((String) r.get(i + 6)));
    return new CapStatus(cap, asLong(r.get(i + 7)), asLong(r.get(i + 8)));
  }

  private static long asLong(Object v) {
    if (v instanceof Long l) {
      return l;
    }
    return Long.parseLong((String) v);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
  }


}
