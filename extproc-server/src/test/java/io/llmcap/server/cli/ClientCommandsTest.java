package io.llmcap.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.server.Engine;
import io.llmcap.server.admin.AdminFeatures;
import io.llmcap.server.admin.AdminHttpServer;
import io.llmcap.server.admin.AdminToken;
import io.llmcap.server.audit.AuditRecord;
import io.llmcap.server.audit.JsonLinesAuditFile;
import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.testing.TestEngines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** status, reset and audit run in-process against a real admin port, as a script would run them. */
class ClientCommandsTest {
  private static final String TOKEN = "cli-test-token-abcdefghijklmnop";
  @TempDir Path dir;
  private final Clock clock = Clock.systemUTC();
  private Engine engine;
  private AdminHttpServer admin;
  private String url;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeEach
  void start() throws Exception {
    engine = TestEngines.inMemory("""
        caps:
          - {name: org-daily, limitUsd: 10, window: day}
          - {name: per-service, limitUsd: 2, window: day, per: service}
          - {name: idle, limitUsd: 1, window: month, action: shadow}
        """, clock);
    admin = AdminHttpServer.start(new InetSocketAddress("127.0.0.1", 0), () -> engine, () -> true,
        new AdminFeatures(null, AdminToken.of(TOKEN, "test"), null));
    url = "http://127.0.0.1:" + admin.port();
    Instant dayStart = Instant.now().truncatedTo(ChronoUnit.DAYS);
    CapInstance org = new CapInstance("org-daily", "", "day", dayStart, dayStart.plus(1, ChronoUnit.DAYS),
        10_000_000_000L, CapAction.ENFORCE);
    CapInstance checkout = new CapInstance("per-service", "checkout", "day", dayStart,
        dayStart.plus(1, ChronoUnit.DAYS), 2_000_000_000L, CapAction.ENFORCE);
    engine.ledger().reserve("c1", List.of(org, checkout), 1_500_000_000L, clock.instant());
    engine.ledger().settle("c1", 1_500_000_000L, clock.instant());
    engine.ledger().reserve("c2", List.of(org), 1_000_000_000L, clock.instant());
  }

  @AfterEach
  void stop() {
    admin.close();
    engine.ledger().close();
  }

  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void statusPrintsEveryCapAsATableWithBars() {
    assertEquals(0, run("status", "--admin-url", url), err.toString());
    String table = out.toString();
    assertTrue(table.startsWith("CAP"), table);
    assertTrue(table.contains("org-daily"), table);
    assertTrue(table.contains("[###+++..................]  15%"), "1.5 spent + 1 reserved of 10:\n" + table);
    assertTrue(table.contains("checkout"), table);
    assertTrue(table.contains("[##################......]  75%"), table);
    assertTrue(table.contains("idle (shadow)") && table.contains("nothing spent this month"), table);
    assertTrue(table.contains("$1.500000000"), "money exact: " + table);
  }

  @Test
  void statusExitsThreeWhenTheServerIsUnreachable() throws Exception {
    int free;
    try (ServerSocket s = new ServerSocket(0)) {
      free = s.getLocalPort();
    }
    assertEquals(3, run("status", "--admin-url", "http://127.0.0.1:" + free, "--timeout", "2s"));
    assertTrue(err.toString().contains("cannot reach"), err.toString());
  }

  @Test
  void resetNeedsTheTokenAndExitsByOutcome() throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
    Path wrong = dir.resolve("wrong");
    Files.writeString(wrong, "not-the-token-but-long-enough");

    assertEquals(4, run("reset", "org-daily", "--admin-url", url, "--token-file", wrong.toString()));
    assertTrue(err.toString().contains("HTTP 403"), err.toString());
    assertEquals(1, run("reset", "nope", "--admin-url", url, "--token-file", tokenFile.toString()));
    assertTrue(err.toString().contains("no cap named 'nope'"), err.toString());

    assertEquals(0, run("reset", "per-service", "--subject", "checkout", "--admin-url", url,
        "--token-file", tokenFile.toString()), err.toString());
    assertTrue(out.toString().contains("1 counter(s)"), out.toString());
    assertEquals(2, run("reset"), "a missing CAP is a usage error");
  }

  @Test
  void helpNamesTheExitCodes() {
    assertEquals(0, run("reset", "--help"));
    assertTrue(out.toString().contains("3 server unreachable"), out.toString());
    assertTrue(out.toString().contains("--token-file"), out.toString());
  }

  @Test
  void auditFiltersByCallerModelAndTime() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    JsonLinesAuditFile sink = new JsonLinesAuditFile(file, new JsonLinesAuditFile.Retention(1 << 20, 2, null), clock);
    sink.write(decision("a1", "checkout", "gpt-4o-mini", "2026-11-23T10:00:00Z"));
    sink.write(new AuditRecord(AuditRecord.SETTLEMENT, Instant.parse("2026-11-23T10:00:01Z"), "a1", "checkout", "fp",
        "openai", "OPENAI_CHAT", "gpt-4o-mini-2024-07-18", "allowed", 1000, 345L, "end of response", 200, List.of(),
        null, null));
    sink.write(decision("a2", "search", "claude-3-5-haiku", "2026-11-23T11:00:00Z"));
    sink.write(decision("a3", "checkout", "gpt-4o", "2026-11-23T12:00:00Z"));
    sink.close();
    Files.writeString(file, "not json\n", java.nio.file.StandardOpenOption.APPEND);

    assertEquals(0, run("audit", "--file", file.toString(), "--caller", "checkout", "--model", "gpt-4o*",
        "--until", "2026-11-23T11:30:00Z"), err.toString());
    String table = out.toString();
    assertTrue(table.contains("a1") && !table.contains("a2") && !table.contains("a3"), table);
    assertTrue(table.contains("$0.000000345"), "the settled cost joined to the decision: " + table);
    assertTrue(table.contains("1 call(s)"), table);
    assertTrue(err.toString().contains("skipped 1 line"), err.toString());

    assertEquals(2, run("audit", "--file", file.toString(), "--since", "yesterday"));
    assertEquals(1, run("audit", "--file", dir.resolve("absent.jsonl").toString()));
  }

  private static AuditRecord decision(String id, String service, String model, String at) {
    return new AuditRecord(AuditRecord.DECISION, Instant.parse(at), id, service, "fp", "openai", "OPENAI_CHAT", model,
        "allowed", 1000, null, null, 0, List.of(new AuditRecord.CapTouched("org-daily", "", "enforce", false)), null,
        null);
  }
}
