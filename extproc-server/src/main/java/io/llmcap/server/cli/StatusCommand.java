package io.llmcap.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmcap status}: a running server's caps as a table with text bars. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show a running server's caps: spent (#) and reserved (+) against each limit, and when each window "
        + "resets. Reads the admin port's /v1/caps.",
    footer = ExitCodes.HELP)
final class StatusCommand implements Callable<Integer> {
  private static final int BAR = 24;

  @Spec
  CommandSpec spec;

  @Mixin
  AdminClient client;

  @Option(names = "--json", description = "Print the server's /v1/caps document as is.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AdminClient.Answer a;
    try {
      a = client.get("/v1/caps");
    } catch (AdminClient.Unreachable e) {
      err.println("llmcap status: " + e.getMessage());
      return ExitCodes.UNREACHABLE;
    }
    if (a.status() != 200) {
      err.println("llmcap status: the server answered HTTP " + a.status() + ": " + AdminClient.errorOf(a));
      return AdminClient.exitFor(a);
    }
    if (json) {
      out.println(a.body());
      out.flush();
      return ExitCodes.OK;
    }
    JsonNode doc;
    try {
      doc = new ObjectMapper().readTree(a.body());
    } catch (IOException e) {
      err.println("llmcap status: the server's answer is not JSON; is " + client.adminUrl + " an LLMCap admin port?");
      return ExitCodes.FAILED;
    }
    print(out, doc, Instant.now());
    out.flush();
    return ExitCodes.OK;
  }

  static void print(PrintWriter out, JsonNode doc, Instant now) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"CAP", "SUBJECT", "USE", "SPENT", "RESERVED", "LIMIT", "RESETS"});
    for (JsonNode def : doc.path("definitions")) {
      String name = def.path("name").asText();
      String suffix = (def.path("action").asText().equals("shadow") ? " (shadow)" : "")
          + (def.path("limitOverridden").asBoolean() ? " (override)" : "");
      boolean any = false;
      for (JsonNode c : doc.path("caps")) {
        if (!c.path("name").asText().equals(name)) {
          continue;
        }
        any = true;
        rows.add(new String[] {name + suffix, c.path("subject").asText().isEmpty() ? "-" : c.path("subject").asText(),
            bar(c.path("spentNanoUsd").asLong(), c.path("reservedNanoUsd").asLong(), c.path("limitNanoUsd").asLong()),
            "$" + c.path("spentUsd").asText(), "$" + c.path("reservedUsd").asText(), "$" + c.path("limitUsd").asText(),
            resets(c.path("resetsAt"), now)});
      }
      if (!any) {
        rows.add(new String[] {name + suffix, "-", bar(0, 0, 1), "$0", "$0", "$" + def.path("limitUsd").asText(),
            "(nothing spent this " + def.path("window").asText() + ")"});
      }
    }
    if (rows.size() == 1) {
      out.println("No caps are configured on this server.");
      return;
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", r[i]));
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** {@code [#####+++.........] 27%}: spent, reserved and free, in exact integer arithmetic. */
  static String bar(long spent, long reserved, long limit) {
    if (limit <= 0) {
      limit = 1;
    }
    int s = cells(spent, limit);
    int r = Math.min(BAR - s, cells(spent + reserved, limit) - s);
    long pct = BigInteger.valueOf(spent).multiply(BigInteger.valueOf(100)).divide(BigInteger.valueOf(limit)).longValue();
    return "[" + "#".repeat(s) + "+".repeat(Math.max(0, r)) + ".".repeat(BAR - s - Math.max(0, r)) + "] "
        + String.format("%3d%%", pct);
  }

  private static int cells(long amount, long limit) {
    long c = BigInteger.valueOf(Math.max(0, amount)).multiply(BigInteger.valueOf(BAR))
        .divide(BigInteger.valueOf(limit)).longValue();
    return (int) Math.min(BAR, c);
  }

  private static String resets(JsonNode at, Instant now) {
    if (at.isNull() || at.isMissingNode()) {
      return "never";
    }
    Instant when = Instant.parse(at.asText());
    Duration left = Duration.between(now, when);
    if (left.isNegative()) {
      return at.asText();
    }
    String rel = left.toDays() > 0 ? left.toDays() + "d " + left.toHoursPart() + "h"
        : left.toHours() > 0 ? left.toHours() + "h " + left.toMinutesPart() + "m" : Math.max(1, left.toMinutes()) + "m";
    return "in " + rel + " (" + at.asText() + ")";
  }
}
