package io.llmcap.server.cli;

import io.llmcap.pricing.CostCalculator;
import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.NanoUsd;
import io.llmcap.pricing.PriceCatalog;
import io.llmcap.pricing.PricingException;
import io.llmcap.pricing.UnknownModelException;
import io.llmcap.pricing.UnpriceableUsageException;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.Provider;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code llmcap price}: the exact cost of one call for a model and its token counts, and the
 * catalog entry that priced it. Exit 0 priced, 1 unknown model or unpriceable usage, 2 usage
 * error.
 */
@Command(name = "price", mixinStandardHelpOptions = true,
    description = {"Print the exact cost of a call (nano-dollars and dollars) and the catalog entry"
        + " that prices it.",
        "Token counts are disjoint, as LLMCap bills them: --input excludes --cached and the cache"
            + " writes; --output includes reasoning the provider counts inside output (OpenAI,"
            + " Anthropic); --reasoning is reasoning reported apart (Gemini thoughts).",
        "Exit code 0 when priced, 1 for an unknown model or usage the entry cannot price, 2 for a"
            + " usage error."})
final class PriceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, description = "Model as the caller names it.")
  String model;

  @Option(names = "--provider", defaultValue = "openai",
      description = "Provider id (default: ${DEFAULT-VALUE}): openai, azure, anthropic, gemini,"
          + " vertex, bedrock, mistral, cohere, openai-compatible.")
  String provider;

  @Option(names = "--input", defaultValue = "0", description = "Uncached input tokens.")
  long input;

  @Option(names = "--output", defaultValue = "0", description = "Output tokens.")
  long output;

  @Option(names = "--cached", defaultValue = "0", description = "Input tokens read from cache.")
  long cached;

  @Option(names = "--cache-write-5m", defaultValue = "0",
      description = "Input tokens written to the cache with the 5-minute TTL.")
  long cacheWrite5m;

  @Option(names = "--cache-write-1h", defaultValue = "0",
      description = "Input tokens written to the cache with the 1-hour TTL.")
  long cacheWrite1h;

  @Option(names = "--reasoning", defaultValue = "0",
      description = "Reasoning tokens reported apart from output (Gemini thoughts).")
  long reasoning;

  @Option(names = "--audio-input", defaultValue = "0", description = "Uncached audio input tokens.")
  long audioInput;

  @Option(names = "--audio-output", defaultValue = "0", description = "Audio output tokens.")
  long audioOutput;

  @Option(names = "--web-searches", defaultValue = "0", description = "Server-side web searches.")
  long webSearches;

  @Option(names = "--catalog", paramLabel = "path",
      description = "A LiteLLM-format price catalog file (default: the bundled catalog).")
  Path catalog;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Provider route = Provider.fromId(provider).orElseThrow(() -> new ParameterException(
        spec.commandLine(), "unknown --provider '" + provider + "'; use one of "
            + Arrays.stream(Provider.values()).map(Provider::id).collect(Collectors.joining(", "))));
    Usage usage;
    try {
      usage = Usage.builder().input(input).cacheRead(cached).cacheWrite5m(cacheWrite5m)
          .cacheWrite1h(cacheWrite1h).output(output).reasoning(reasoning).audioInput(audioInput)
          .audioOutput(audioOutput).webSearchRequests(webSearches).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "token counts cannot be negative");
    }
    PriceCatalog prices;
    try {
      prices = catalog == null ? PriceCatalog.bundled() : PriceCatalog.load(catalog);
    } catch (PricingException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    ModelPrice price;
    try {
      price = prices.resolve(route.priceRoute(), model);
    } catch (UnknownModelException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    out.printf("model:    %s on %s (price route %s)%n", model, route.id(), route.priceRoute());
    out.printf("entry:    %s (litellm_provider %s, mode %s)%n", price.key(),
        price.litellmProvider(), price.mode());
    printRate(out, "input", price.inputPerToken());
    printRate(out, "output", price.outputPerToken());
    printRate(out, "cache read", price.cacheReadPerToken());
    printRate(out, "cache write 5m", price.cacheWrite5mPerToken());
    printRate(out, "cache write 1h", price.effectiveCacheWrite1hPerToken());
    printRate(out, "reasoning", price.reasoningPerToken());
    printRate(out, "audio input", price.audioInputPerToken());
    printRate(out, "audio output", price.audioOutputPerToken());
    printRate(out, "input >200k", price.inputPerTokenAbove200k());
    printRate(out, "output >200k", price.outputPerTokenAbove200k());
    if (price.webSearchPerQuery() != null) {
      out.printf("  %-16s %s USD per search%n", "web search", plain(price.webSearchPerQuery()));
    }
    if (price.perRequest() != null) {
      out.printf("  %-16s %s USD per call%n", "per request", plain(price.perRequest()));
    }
    long nanos;
    try {
      nanos = CostCalculator.cost(price, usage);
    } catch (UnpriceableUsageException e) {
      out.flush();
      err.println("error: " + e.getMessage());
      return 1;
    }
    out.printf("cost:     %d nano-dollars = $%s%n", nanos, NanoUsd.format(nanos));
    out.flush();
    return 0;
  }

  private static void printRate(PrintWriter out, String name, BigDecimal perToken) {
    if (perToken != null) {
      out.printf("  %-16s %s USD per token (%s per million)%n", name, plain(perToken),
          plain(perToken.movePointRight(6)));
    }
  }

  private static String plain(BigDecimal value) {
    return value.stripTrailingZeros().toPlainString();
  }
}
