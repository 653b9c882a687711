package io.llmcap.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RedisServerProcessTest {

  @Test
  void theBundledServerRunsWhereTheMachineHasNone() throws Exception {
    String bundled = RedisServerProcess.bundledBinary();
    assumeTrue(bundled != null, "no bundled redis-server for this OS and architecture");
    Process p = new ProcessBuilder(bundled, "--version").redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.startsWith("Redis server v="), out);
  }

  @Test
  void startsOnAFreePortAndStopsWithoutTouchingOtherServers() {
    assumeTrue(RedisServerProcess.available(), "no redis-server on this machine");
    RedisServerProcess redis = RedisServerProcess.start();
    try {
      assertTrue(redis.port() != 6379);
      assertEquals("PONG", redis.command("PING"));
      assertEquals("OK", redis.command("SET", "k", "v"));
      assertEquals("v", redis.command("GET", "k"));
    } finally {
      redis.close();
    }
    assertFalse(redis.isAlive());
  }
}
