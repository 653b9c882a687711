package io.llmcap.server.ledger.redis;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.server.audit.AuditRecord;
import io.llmcap.server.testing.RedisServerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RedisStreamAuditSinkTest {
  private final RedisServerProcess redis = RedisServerProcess.start();

  @AfterEach
  void stop() {
    redis.close();
  }

  private static AuditRecord decision(int i) {
    return new AuditRecord(AuditRecord.DECISION, Instant.parse("2026-11-23T10:00:00Z").plusSeconds(i), "call-" + i,
        "checkout", "key-0123456789abcdef", "openai", "openai.chat", "gpt-4o-mini", "allowed", 1_000 + i, null, null,
        0, List.of(new AuditRecord.CapTouched("org", "", "enforce", false)), null, null);
  }

  @Test
  void appendsEachRecordAsTheSameJsonLineAsTheFileAndKeepsTheStreamBounded() throws Exception {
    try (RedisStreamAuditSink sink = RedisStreamAuditSink.open(RedisEndpoint.of(redis.uri()), "llmcap:audit", 100,
        Duration.ofMillis(500))) {
      sink.write(decision(0));
      String entries = redis.command("XRANGE", "llmcap:audit", "-", "+");
      assertTrue(entries.contains("call-0"), entries);
      assertTrue(entries.contains("key-0123456789abcdef"), "the key's fingerprint, never a key");

      for (int i = 1; i < 2_000; i++) {
        sink.write(decision(i));
      }
    }
    long length = Long.parseLong(redis.command("XLEN", "llmcap:audit").trim());
    assertTrue(length >= 100 && length < 2_000, "trimmed to about 100 entries, got " + length);
    String last = redis.command("XREVRANGE", "llmcap:audit", "+", "-", "COUNT", "1");
    assertTrue(last.contains("call-1999"), last);
  }

  @Test
  void aRecordRedisCannotTakeIsReportedNotSilentlyLost() throws Exception {
    try (RedisStreamAuditSink sink = RedisStreamAuditSink.open(RedisEndpoint.of(redis.uri()), "llmcap:audit", 100,
        Duration.ofMillis(300))) {
      redis.kill();
      assertThrows(java.io.IOException.class, () -> sink.write(decision(1)));
    }
  }
}
