package io.llmcap.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PriceCommandTest {

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] full = new String[args.length + 1];
    full[0] = "price";
    System.arraycopy(args, 0, full, 1, args.length);
    int exit = cli.execute(full);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void pricesAnOpenAiCallExactlyAndShowsTheEntry() {
    Run r = run("--model", "gpt-4o-mini", "--provider", "openai", "--input", "1000",
        "--output", "500", "--cached", "200");
    // gpt-4o-mini: input 150 n$, cache read 75, output 600:
    // 1,000 x 150 + 200 x 75 + 500 x 600 = 150,000 + 15,000 + 300,000
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("cost:     465000 nano-dollars = $0.000465000"), r.out());
    assertTrue(r.out().contains("entry:    gpt-4o-mini (litellm_provider openai, mode chat)"),
        r.out());
    assertTrue(r.out().contains("0.00000015 USD per token (0.15 per million)"), r.out());
  }

  @Test
  void pricesAnthropicCacheWritesWithBothTtls() {
    Run r = run("--model", "claude-sonnet-4-5-20250929", "--provider", "anthropic",
        "--input", "1000", "--cache-write-5m", "2000", "--cache-write-1h", "3000",
        "--output", "500", "--reasoning", "0");
    // 1,000 x 3,000 + 2,000 x 3,750 + 3,000 x 6,000 (2x input) + 500 x 15,000
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("cost:     36000000 nano-dollars = $0.036000000"), r.out());
  }

  @Test
  void resolvesOnTheProvidersRoute() {
    Run r = run("--model", "gemini-2.5-flash", "--provider", "gemini", "--input", "1",
        "--reasoning", "1");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("entry:    gemini/gemini-2.5-flash"), r.out());
    assertTrue(r.out().contains("cost:     2800 nano-dollars"), r.out());
  }

  @Test
  void unknownModelExitsOne() {
    Run r = run("--model", "no-such-model-xyz", "--input", "1");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("pricing.overrides"), r.err());
  }

  @Test
  void unpriceableUsageExitsOne() {
    Run r = run("--model", "gpt-4o", "--cache-write-1h", "5");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("cannot be priced"), r.err());
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(2, run("--input", "5").exit());
    assertEquals(2, run("--model", "gpt-4o", "--provider", "nope").exit());
    assertEquals(2, run("--model", "gpt-4o", "--input", "-1").exit());
    assertEquals(2, run("--model", "gpt-4o", "--input", "lots").exit());
  }

  @Test
  void readsAnotherCatalogFile(@TempDir Path dir) throws Exception {
    Path catalog = dir.resolve("prices.json");
    Files.writeString(catalog, "{\"my-model\":{\"litellm_provider\":\"openai\",\"mode\":\"chat\","
        + "\"input_cost_per_token\":1e-06,\"output_cost_per_token\":2e-06}}");
    Run r = run("--model", "my-model", "--catalog", catalog.toString(), "--input", "3",
        "--output", "4");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("cost:     11000 nano-dollars"), r.out());
    assertEquals(2, run("--model", "x", "--catalog", dir.resolve("missing.json").toString())
        .exit());
  }
}
