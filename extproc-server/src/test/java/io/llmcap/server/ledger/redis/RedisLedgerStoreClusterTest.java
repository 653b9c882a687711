package io.llmcap.server.ledger.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.LedgerStoreContract;
import io.llmcap.server.testing.RedisClusterProcess;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The ledger contract on a real three-primary Redis Cluster, reached through its seed nodes. */
class RedisLedgerStoreClusterTest extends LedgerStoreContract {
  private static RedisClusterProcess cluster;

  @BeforeAll
  static void startCluster() {
    assumeTrue(io.llmcap.server.testing.RedisServerProcess.available(),
        "no redis-server on this machine");
    cluster = RedisClusterProcess.start(3);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected LedgerStore createStore(Duration holdTtl, Clock clock) {
    return RedisLedgerStore.open(RedisEndpoint.cluster(cluster.uris()), holdTtl, clock,
        RedisLedgerStore.Options.DEFAULT);
  }
}
