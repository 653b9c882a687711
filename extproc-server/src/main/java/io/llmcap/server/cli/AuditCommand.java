package io.llmcap.server.cli;

import io.llmcap.pricing.NanoUsd;
import io.llmcap.server.audit.AuditJson;
import io.llmcap.server.audit.AuditQuery;
import io.llmcap.server.audit.AuditRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmcap audit}: who spent what, from the audit files a server writes. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = "Query the audit trail (the JSON lines file that `llmcap serve --audit-file` writes, and its "
        + "rotated files): one row per call, with its decision and what it was charged.",
    footer = ExitCodes.HELP)
final class AuditCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--file", required = true, paramLabel = "FILE", description = "The audit file (as given to serve).")
  Path file;

  @Option(names = "--caller", paramLabel = "X", description = "Only calls of this service or API key fingerprint.")
  String caller;

  @Option(names = "--model", paramLabel = "M", description = "Only calls of this model; * matches anything (gpt-4o*).")
  String model;

  @Option(names = "--since", paramLabel = "T", converter = TimeConverter.class,
      description = "Only calls decided at or after T: an instant (2026-11-23T10:00:00Z) or a time ago (30m, 2h).")
  Instant since;

  @Option(names = "--until", paramLabel = "T", converter = TimeConverter.class,
      description = "Only calls decided before T (same forms as --since).")
  Instant until;

  @Option(names = "--json", description = "Print the matching records as JSON lines instead of a table.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AuditQuery.Result result;
    try {
      result = new AuditQuery(caller, model, since, until).run(file);
    } catch (NoSuchFileException e) {
      err.println("llmcap audit: no audit file at " + file + " (nor rotated ones beside it)");
      return ExitCodes.FAILED;
    } catch (IOException e) {
      err.println("llmcap audit: cannot read " + file + ": " + e.getMessage());
      return ExitCodes.FAILED;
    }
    if (json) {
      for (AuditQuery.Row row : result.rows()) {
        out.print(new String(AuditJson.line(row.decision()), StandardCharsets.UTF_8));
        if (row.settlement() != null) {
          out.print(new String(AuditJson.line(row.settlement()), StandardCharsets.UTF_8));
        }
      }
    } else {
      out.printf("%-24s  %-14s  %-24s  %-9s  %-22s  %-18s  %12s  %12s  %s%n", "TIME", "CALL", "CALLER", "PROVIDER",
          "MODEL", "OUTCOME", "RESERVED", "SETTLED", "CAPS");
      long settledSum = 0;
      for (AuditQuery.Row row : result.rows()) {
        AuditRecord d = row.decision();
        Long settled = row.settlement() == null ? null : row.settlement().settledNanos();
        settledSum += settled == null ? 0 : settled;
        out.printf("%-24s  %-14s  %-24s  %-9s  %-22s  %-18s  %12s  %12s  %s%n", d.at(), d.callId(),
            d.service() != null ? d.service() : d.apiKeyFingerprint() == null ? "-" : "key:" + d.apiKeyFingerprint(),
            orDash(d.provider()), orDash(d.model()), d.outcome(), "$" + NanoUsd.format(d.reservedNanos()),
            settled == null ? "-" : "$" + NanoUsd.format(settled),
            d.caps().stream().map(c -> c.name() + (c.wouldDeny() ? "(would deny)" : "")).collect(Collectors.joining(",")));
      }
      out.printf("%d call(s), settled $%s in total%n", result.rows().size(), NanoUsd.format(settledSum));
    }
    if (result.unreadableLines() > 0) {
      err.printf("llmcap audit: skipped %d line(s) that are not audit records%n", result.unreadableLines());
    }
    out.flush();
    return ExitCodes.OK;
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  /** An ISO instant, or a duration ago ({@code 30m}, {@code 2h}, {@code PT1H}). */
  static final class TimeConverter implements CommandLine.ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return Instant.parse(value.trim());
      } catch (DateTimeParseException notAnInstant) {
        try {
          return Instant.now().minus(new DurationConverter().convert(value));
        } catch (CommandLine.TypeConversionException e) {
          throw new CommandLine.TypeConversionException("'" + value
              + "' is neither an instant (2026-11-23T10:00:00Z) nor a time ago (30m, 2h)");
        }
      }
    }
  }
}
