package io.llmcap.server.ledger.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.cap.WindowUnit;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.ReserveOutcome;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.RedisClusterProcess;
import io.llmcap.server.testing.RedisServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS, Sentinel and Cluster specifics, each against real redis-server processes. */
class RedisLedgerStoreTopologyTest {
  private static final Duration TTL = Duration.ofMinutes(10);
  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");

  @BeforeAll
  static void needRedis() {
    assumeTrue(RedisServerProcess.available(), "no redis-server on this machine");
  }

  private CapInstance cap(String name) {
    WindowUnit.WindowBounds w = WindowUnit.DAY.boundsAt(clock.instant(), ZoneOffset.UTC);
    return new CapInstance(name, "", "day", w.start(), w.end(), 1_000, CapAction.ENFORCE);
  }

  private void reservesAndSettles(RedisLedgerStore store) throws LedgerException {
    CapInstance cap = cap("topology");
    assertInstanceOf(ReserveOutcome.Granted.class,
        store.reserve("t1", List.of(cap), 400, clock.instant()));
    assertTrue(store.settle("t1", 300, clock.instant()));
    assertEquals(new CapStatus(cap, 300, 0), store.status(List.of(cap), clock.instant()).get(0));
  }

  @Test
  void servesOverTlsWithTheServerCertificateTrusted(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("redis.crt");
    Path key = dir.resolve("redis.key");
    assumeTrue(selfSignedCertificate(cert, key), "openssl CLI not available to make a test certificate");
    try (RedisServerProcess tls = RedisServerProcess.start(List.of(
            "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(),
            "--tls-ca-cert-file", cert.toString(), "--tls-auth-clients", "no"), true);
        RedisLedgerStore store = RedisLedgerStore.open(
            RedisEndpoint.of("rediss://127.0.0.1:" + tls.port()), TTL, clock,
            RedisLedgerStore.Options.DEFAULT.withTrustedCertificates(cert)
                // A cold JVM's first TLS handshake on a busy 2-core machine can take a second.
                .withConnectTimeout(Duration.ofSeconds(5)))) {
      reservesAndSettles(store);

      try (RedisLedgerStore untrusting = RedisLedgerStore.open(
          RedisEndpoint.of("rediss://127.0.0.1:" + tls.port()), TTL, clock,
          RedisLedgerStore.Options.DEFAULT)) {
        assertThrows(LedgerException.class,
            () -> untrusting.status(List.of(cap("x")), clock.instant()),
            "a certificate the client does not trust is refused");
      }
    }
  }

  @Test
  void findsThePrimaryThroughSentinel() throws Exception {
    try (RedisServerProcess primary = RedisServerProcess.start();
        RedisServerProcess sentinel = RedisServerProcess.startSentinel(primary, "ledger");
        RedisLedgerStore store = RedisLedgerStore.open(
            RedisEndpoint.of("redis-sentinel://127.0.0.1:" + sentinel.port() + "#ledger"), TTL,
            clock, RedisLedgerStore.Options.DEFAULT)) {
      reservesAndSettles(store);
      assertEquals("1", primary.command("ZCARD", "{llmcap}:caps"), "the data is on the primary");
    }
  }

  @Test
  void aClusterKeepsTheWholeLedgerOnTheNodeOfItsHashTag() throws Exception {
    try (RedisClusterProcess cluster = RedisClusterProcess.start(3);
        RedisLedgerStore store = RedisLedgerStore.open(RedisEndpoint.cluster(cluster.uris()), TTL,
            clock, RedisLedgerStore.Options.DEFAULT)) {
      CapInstance a = cap("org");
      CapInstance b = new CapInstance("per-service", "spiffe://x/ns/shop/sa/checkout", "day",
          a.windowStart(), a.windowEnd(), 1_000, CapAction.ENFORCE);
      store.reserve("c1", List.of(a, b), 10, clock.instant());
      RedisServerProcess owner = cluster.nodeFor("{llmcap}");
      assertEquals("2", owner.command("ZCARD", "{llmcap}:caps"));
      for (RedisServerProcess node : cluster.nodes()) {
        assertEquals(node == owner ? "5" : "0", node.command("DBSIZE"),
            "both indexes, both counters and the hold live on one node only");
      }
    }
  }

  private static boolean selfSignedCertificate(Path cert, Path key) throws Exception {
    try {
      Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
          "-keyout", key.toString(), "-out", cert.toString(), "-days", "1",
          "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.size(cert) > 0;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
