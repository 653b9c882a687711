package io.llmcap.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.config.CapsFileParser;
import io.llmcap.server.config.ConfigException;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.ReserveOutcome;
import io.llmcap.server.ledger.redis.RedisLedgerStore;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.RedisServerProcess;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineFactoryRedisTest {
  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");

  private static String caps(String store, String limitUsd) {
    return "store:\n" + store + "caps:\n  - name: daily\n    limitUsd: " + limitUsd
        + "\n    window: day\n";
  }

  private final CapInstance daily = new CapInstance("daily", "", "day",
      Instant.parse("2026-11-23T00:00:00Z"), Instant.parse("2026-11-24T00:00:00Z"), 1_000,
      CapAction.ENFORCE);

  @Test
  void storeTypeRedisOpensTheRedisLedger() throws Exception {
    assumeTrue(RedisServerProcess.available(), "no redis-server on this machine");
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      Engine engine = EngineFactory.create(CapsFileParser.parse(
          caps("  type: redis\n  uri: " + redis.uri() + "\n", "5"), "caps.yaml"), clock);
      try {
        assertInstanceOf(RedisLedgerStore.class, engine.ledger());
        assertInstanceOf(ReserveOutcome.Granted.class,
            engine.ledger().reserve("c1", List.of(daily), 10, clock.instant()));
      } finally {
        engine.ledger().close();
      }
    }
  }

  @Test
  void theServerStartsWhileRedisIsDownAndDecisionsFollowOnFailure() throws Exception {
    int closedPort = RedisServerProcessPorts.unused();
    Engine engine = EngineFactory.create(CapsFileParser.parse(
        caps("  type: redis\n  uri: redis://127.0.0.1:" + closedPort + "\n  onFailure: open\n",
            "5"), "caps.yaml"), clock);
    try {
      assertThrows(LedgerException.class,
          () -> engine.ledger().reserve("c1", List.of(daily), 10, clock.instant()));
    } finally {
      engine.ledger().close();
    }
  }

  @Test
  void aCapLimitBeyondExactLuaArithmeticIsRefusedAtStart() {
    ConfigException e = assertThrows(ConfigException.class, () -> EngineFactory.create(
        CapsFileParser.parse(caps("  type: redis\n  uri: redis://127.0.0.1:1\n", "10000000"),
            "caps.yaml"), clock));
    assertEquals("caps[0].limitUsd", e.field());
    assertTrue(e.getMessage().contains("9,007,199"), e.getMessage());
  }

  /** A loopback port nothing listens on. */
  private static final class RedisServerProcessPorts {
    static int unused() throws java.io.IOException {
      try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1,
          java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      }
    }
  }
}
