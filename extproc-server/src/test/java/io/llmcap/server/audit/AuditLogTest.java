package io.llmcap.server.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.llmcap.server.Engine;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.OpenAiCalls;
import io.llmcap.server.testing.TestEngines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir Path dir;
  private final MutableClock clock = MutableClock.at("2026-11-23T10:00:00Z");

  private void runCalls(AuditLog audit, Runnable calls) throws Exception {
    Engine engine = TestEngines.inMemory("caps: [{name: team, limitUsd: 0.0015, window: day, per: service}]", clock);
    String name = InProcessServerBuilder.generateName();
    try (LlmcapServer server = new LlmcapServer(InProcessServerBuilder.forName(name).directExecutor(), engine,
        Duration.ofSeconds(1), audit).start(null)) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      try {
        this.channel = channel;
        calls.run();
      } finally {
        channel.shutdownNow();
      }
    }
    audit.close();
  }

  private ManagedChannel channel;

  @Test
  void everyDecisionIsRecordedWithItsSettlementAndNeverAKeyOrAPrompt() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    AuditLog audit = new AuditLog(new JsonLinesAuditFile(file, new JsonLinesAuditFile.Retention(1 << 20, 3, null),
        clock), 100);
    runCalls(audit, () -> {
      for (int i = 0; i < 4; i++) {
        OpenAiCalls.call(channel, "checkout", "sk-live-SECRET-key-1", 1000);
      }
      clock.advance(Duration.ofMinutes(5));
      OpenAiCalls.call(channel, "search", "sk-live-SECRET-key-2", 1000);
    });

    String text = Files.readString(file);
    assertFalse(text.contains("SECRET"), "no API key in the audit file");
    assertFalse(text.contains("Say hi"), "no prompt in the audit file");

    List<AuditQuery.Row> all = new AuditQuery(null, null, null, null).run(file).rows();
    assertEquals(5, all.size());
    AuditQuery.Row first = all.get(0);
    assertEquals("allowed", first.decision().outcome());
    assertEquals("checkout", first.decision().service());
    assertEquals("openai", first.decision().provider());
    assertEquals("gpt-4o-mini", first.decision().model());
    assertTrue(first.decision().reservedNanos() > 0);
    assertEquals(List.of(new AuditRecord.CapTouched("team", "checkout", "enforce", false)), first.decision().caps());
    assertEquals(OpenAiCalls.USAGE_NANOS, first.settlement().settledNanos());
    assertEquals("end of response", first.settlement().settledHow());
    assertTrue(first.decision().apiKeyFingerprint() != null && !first.decision().apiKeyFingerprint().isEmpty());

    AuditQuery.Row denied = all.get(3);
    assertEquals("denied_cap", denied.decision().outcome());
    assertEquals("team", denied.decision().blockingCap());
    assertNull(denied.settlement(), "a denied call holds nothing to settle");

    assertEquals(1, new AuditQuery("search", null, null, null).run(file).rows().size());
    assertEquals(4, new AuditQuery(first.decision().apiKeyFingerprint(), null, null, null).run(file).rows().size(),
        "by key fingerprint");
    assertEquals(5, new AuditQuery(null, "GPT-4O*", null, null).run(file).rows().size());
    assertEquals(0, new AuditQuery(null, "claude*", null, null).run(file).rows().size());
    assertEquals(1, new AuditQuery(null, null, Instant.parse("2026-11-23T10:01:00Z"), null).run(file).rows().size());
    assertEquals(4, new AuditQuery(null, null, null, Instant.parse("2026-11-23T10:01:00Z")).run(file).rows().size());
  }

  @Test
  void filesRotateBySizeAndOldOnesAreDeletedByCountAndAge() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    JsonLinesAuditFile sink = new JsonLinesAuditFile(file, new JsonLinesAuditFile.Retention(2048, 2,
        Duration.ofHours(1)), clock);
    for (int i = 0; i < 60; i++) {
      sink.write(record("call-" + i));
      clock.advance(Duration.ofSeconds(1));
    }
    sink.close();
    List<Path> rotated = JsonLinesAuditFile.rotatedFiles(file);
    assertEquals(2, rotated.size(), "only the newest two rotated files are kept: " + rotated);
    assertTrue(Files.size(file) <= 2048);
    for (Path p : rotated) {
      assertTrue(Files.size(p) <= 2048);
    }
    List<AuditQuery.Row> rows = new AuditQuery(null, null, null, null).run(file).rows();
    assertEquals("call-59", rows.get(rows.size() - 1).decision().callId(), "the newest records are kept");
    assertTrue(rows.size() < 60, "the oldest were deleted");

    clock.advance(Duration.ofHours(2));
    JsonLinesAuditFile later = new JsonLinesAuditFile(file, new JsonLinesAuditFile.Retention(2048, 2,
        Duration.ofHours(1)), clock);
    for (int i = 0; i < 30; i++) {
      later.write(record("late-" + i));
    }
    later.close();
    for (Path p : JsonLinesAuditFile.rotatedFiles(file)) {
      assertTrue(Files.getLastModifiedTime(p).toInstant().isAfter(clock.instant().minus(Duration.ofHours(1))),
          "files older than an hour are gone: " + p);
    }
  }

  @Test
  void aFullQueueDropsRecordsInsteadOfBlockingTheDecision() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AuditSink stuck = new AuditSink() {
      @Override
      public void write(AuditRecord record) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    AuditLog audit = new AuditLog(stuck, 4);
    CallListener.Decision d = AuditLogTestDecisions.allowed("c1");
    long start = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      audit.decided(d);
    }
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(1).toNanos(), "never waits for the disk");
    // At most one queue-full is taken by the (stuck) writer and one more waits in the queue.
    assertTrue(audit.dropped() >= 50 - 2 * 4, "dropped " + audit.dropped());
    release.countDown();
    audit.close();
  }

  private AuditRecord record(String callId) {
    return new AuditRecord(AuditRecord.DECISION, clock.instant(), callId, "svc", "fp", "openai", "OPENAI_CHAT",
        "gpt-4o-mini", "allowed", 1000, null, null, 0,
        List.of(new AuditRecord.CapTouched("team", "svc", "enforce", false)), null, null);
  }
}
