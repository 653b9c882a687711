package io.llmcap.server.cli;

import io.llmcap.pricing.NanoUsd;
import io.llmcap.pricing.PricingException;
import io.llmcap.server.EngineFactory;
import io.llmcap.server.cap.CapDefinition;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.config.CapsFileParser;
import io.llmcap.server.config.ConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code llmcap check caps.yaml}: validate a caps file and print the caps it resolves to. Exit 0 valid, 1 invalid. */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Validate a caps file and print the resolved caps. Exit code 0 when valid, 1 when not.")
final class CheckCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "caps.yaml", description = "The caps file to check.")
  Path file;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CapsConfig caps;
    try {
      caps = CapsFileParser.parse(file);
      EngineFactory.catalog(caps.pricing());
    } catch (ConfigException e) {
      err.println("invalid: " + e.getMessage());
      return 1;
    } catch (PricingException e) {
      err.println("invalid: " + file + ": pricing: " + e.getMessage());
      return 1;
    }
    out.printf("%s: valid%n", file);
    out.printf("store: %s, on failure %s, hold TTL %s%n", caps.store().type().name().toLowerCase(Locale.ROOT),
        caps.store().onFailure().name().toLowerCase(Locale.ROOT), caps.store().holdTtl());
    out.printf("enforcement: mode %s, over budget %s, min output tokens %d%n",
        caps.enforcement().mode().name().toLowerCase(Locale.ROOT),
        caps.enforcement().overBudget().name().toLowerCase(Locale.ROOT), caps.enforcement().minOutputTokens());
    out.printf("caps (%d):%n", caps.caps().size());
    for (CapDefinition cap : caps.caps()) {
      out.printf("  %-28s %14s per %-5s %-16s %-20s %s%n", cap.name(), "$" + NanoUsd.format(cap.limitNanos()),
          cap.window().name().toLowerCase(Locale.ROOT), cap.zone(),
          cap.per() == null ? "(one counter)" : "per " + cap.per(),
          cap.action().name().toLowerCase(Locale.ROOT) + (cap.match() == null ? "" : " match " + cap.match()));
    }
    out.flush();
    return 0;
  }
}
