package io.llmcap.server.config;

/**
 * A caps file LLMCap refuses. The message reads {@code source:line:column: field: problem}, e.g.
 * {@code caps.yaml:14:5: caps[1].limitUsd: must be a positive dollar amount, got "abc" (write it
 * as a number, e.g. 50 or 12.5)}; line and column are 1-based, 0 when unknown (unreadable file).
 */
public final class ConfigException extends Exception {
  private final String source;
  private final int line;
  private final int column;
  private final String field;
  private final String problem;

  public ConfigException(String source, int line, int column, String field, String problem) {
    this(source, line, column, field, problem, null);
  }

  public ConfigException(
      String source, int line, int column, String field, String problem, Throwable cause) {
    super(format(source, line, column, field, problem), cause);
    this.source = source;
    this.line = line;
    this.column = column;
    this.field = field == null ? "" : field;
    this.problem = problem;
  }

  private static String format(String source, int line, int column, String field, String problem) {
    StringBuilder sb = new StringBuilder(source);
    if (line > 0) {
      sb.append(':').append(line).append(':').append(column);
    }
    sb.append(": ");
    if (field != null && !field.isEmpty()) {
      sb.append(field).append(": ");
    }
    return sb.append(problem).toString();
  }

  /** The file name (or other source name) given to the parser. */
  public String source() {
    return source;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }

  /** The path of the offending field, e.g. {@code caps[1].limitUsd}; empty for the whole file. */
  public String field() {
    return field;
  }

  /** The problem and its fix, without the location prefix. */
  public String problem() {
    return problem;
  }
}
