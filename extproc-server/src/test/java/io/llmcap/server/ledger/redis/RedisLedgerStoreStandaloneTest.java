package io.llmcap.server.ledger.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.LedgerStoreContract;
import io.llmcap.server.testing.RedisServerProcess;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ledger contract on one real redis-server. */
class RedisLedgerStoreStandaloneTest extends LedgerStoreContract {
  private static RedisServerProcess redis;

  @BeforeAll
  static void startRedis() {
    assumeTrue(RedisServerProcess.available(), "no redis-server on this machine");
    redis = RedisServerProcess.start();
  }

  @AfterAll
  static void stopRedis() {
    if (redis != null) {
      redis.close();
    }
  }

  @Override
  protected LedgerStore createStore(Duration holdTtl, Clock clock) {
    return RedisLedgerStore.open(RedisEndpoint.of(redis.uri()), holdTtl, clock,
        RedisLedgerStore.Options.DEFAULT);
  }
}
