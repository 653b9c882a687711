package io.llmcap.server.cli;

/** Exit codes of the client commands ({@code status}, {@code reset}, {@code limit}, {@code audit}), for scripts. */
final class ExitCodes {
  /** Done. */
  static final int OK = 0;
  /** The server (or the file) answered, and the operation failed: unknown cap, bad value, store down. */
  static final int FAILED = 1;
  /** The command line is wrong (picocli's own code for usage errors). */
  static final int USAGE = 2;
  /** The admin URL could not be reached (connection refused, timeout, bad host). */
  static final int UNREACHABLE = 3;
  /** The server refused the admin token (401/403), or writes are disabled there. */
  static final int UNAUTHORIZED = 4;

  private ExitCodes() {}

  static final String HELP = "%nExit codes: 0 ok, 1 the operation failed, 2 usage error, 3 server unreachable, "
      + "4 not authorized (token missing, wrong, or writes disabled on the server).";
}
