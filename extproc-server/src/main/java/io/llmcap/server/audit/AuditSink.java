package io.llmcap.server.audit;

import java.io.IOException;

/**
 * Where audit records are written, one at a time, by the audit writer thread (never by a
 * decision). Implementations: {@link JsonLinesAuditFile}; a Redis stream sink can implement the
 * same interface and be added beside it.
 */
public interface AuditSink extends AutoCloseable {
  void write(AuditRecord record) throws IOException;

  /** Called when the queue is drained: push buffered records out. */
  void flush() throws IOException;

  @Override
  void close() throws IOException;
}
