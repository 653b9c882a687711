package io.llmcap.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code llmcap reset CAP}: zero a cap's spend in its current window on a running server. */
@Command(name = "reset", mixinStandardHelpOptions = true,
    description = {"Zero the spend of a cap's current window on a running server (every subject of a per-cap, or "
        + "one with --subject). Calls in flight keep their reservations.",
        "Needs the server's admin token: --token-file FILE, or the LLMCAP_ADMIN_TOKEN environment variable."},
    footer = ExitCodes.HELP)
final class ResetCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  AdminClient client;

  @Parameters(index = "0", paramLabel = "CAP", description = "The cap's name, as in the caps file.")
  String cap;

  @Option(names = "--subject", paramLabel = "S",
      description = "Reset only this subject of a cap with a per (a service, key fingerprint, header value, …).")
  String subject;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "File holding the admin token (default: the LLMCAP_ADMIN_TOKEN environment variable).")
  Path tokenFile;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String token;
    try {
      token = AdminClient.token(tokenFile);
    } catch (IOException e) {
      err.println("llmcap reset: cannot read the token file " + tokenFile + ": " + e.getMessage());
      return ExitCodes.USAGE;
    }
    if (token == null) {
      err.println("llmcap reset: no admin token: pass --token-file FILE or set LLMCAP_ADMIN_TOKEN");
      return ExitCodes.UNAUTHORIZED;
    }
    String path = "/v1/caps/" + URLEncoder.encode(cap, StandardCharsets.UTF_8) + "/reset"
        + (subject == null ? "" : "?subject=" + URLEncoder.encode(subject, StandardCharsets.UTF_8));
    AdminClient.Answer a;
    try {
      a = client.post(path, null, token);
    } catch (AdminClient.Unreachable e) {
      err.println("llmcap reset: " + e.getMessage());
      return ExitCodes.UNREACHABLE;
    }
    if (a.status() != 200) {
      err.println("llmcap reset: HTTP " + a.status() + ": " + AdminClient.errorOf(a));
      return AdminClient.exitFor(a);
    }
    int n;
    try {
      n = new ObjectMapper().readTree(a.body()).path("instancesReset").asInt();
    } catch (IOException e) {
      n = -1;
    }
    out.printf("reset cap %s%s: %s%n", cap, subject == null ? "" : " subject " + subject,
        n == 0 ? "nothing was spent in its current window" : n + " counter(s) of the current window set to $0");
    out.flush();
    return ExitCodes.OK;
  }
}
