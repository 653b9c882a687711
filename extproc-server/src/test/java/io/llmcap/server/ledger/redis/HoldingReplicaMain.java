package io.llmcap.server.ledger.redis;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.ledger.ReserveOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A replica in its own JVM: reserves one call against one cap, says so on stdout, and then blocks
 * forever until the test kills it with SIGKILL (it never settles).
 *
 * <p>Arguments: redis URI, call id, cap name, window start, window end, limit, amount, now.
 */
public final class HoldingReplicaMain {
  private HoldingReplicaMain() {}

  public static void main(String[] args) throws Exception {
    Instant now = Instant.parse(args[7]);
    CapInstance cap = new CapInstance(args[2], "", "day", Instant.parse(args[3]),
        Instant.parse(args[4]), Long.parseLong(args[5]), CapAction.ENFORCE);
    RedisLedgerStore store = RedisLedgerStore.open(RedisEndpoint.of(args[0]),
        Duration.ofMinutes(10), Clock.fixed(now, ZoneOffset.UTC), RedisLedgerStore.Options.DEFAULT);
    ReserveOutcome out = store.reserve(args[1], List.of(cap), Long.parseLong(args[6]), now);
    System.out.println(out instanceof ReserveOutcome.Granted ? "RESERVED" : "DENIED");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
