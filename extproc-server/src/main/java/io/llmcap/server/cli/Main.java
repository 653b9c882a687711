package io.llmcap.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code llmcap}: the command line entry point. */
@Command(
    name = "llmcap",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "A budget fuse for LLM APIs: an Envoy ext_proc server that prices every call and denies at a hard cap.",
    subcommands = {ServeCommand.class, CheckCommand.class, PriceCommand.class, StatusCommand.class,
        ResetCommand.class, AuditCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command: serve, check, price, status, reset or audit (see --help)");
  }
}
