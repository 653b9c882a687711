package io.llmcap.server.ledger.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.llmcap.server.audit.AuditJson;
import io.llmcap.server.audit.AuditRecord;
import io.llmcap.server.audit.AuditSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Audit records appended to a Redis stream (one entry per record, field {@code record} holding the
 * same JSON line as the audit file), trimmed to about {@code maxLength} entries, so every replica
 * of a mesh writes one shared, bounded trail. Runs on the audit writer thread, never on a
 * decision; a record that cannot be written is reported to the audit log, which counts it.
 */
public final class RedisStreamAuditSink implements AuditSink {
  private static final LuaScript XADD = LuaScript.load("audit-xadd.lua");

  private final RedisConnector connector;
  private final String[] keys;
  private final String maxLength;

  private RedisStreamAuditSink(RedisConnector connector, String streamKey, long maxLength) {
    this.connector = connector;
    this.keys = new String[] {streamKey};
    this.maxLength = Long.toString(maxLength);
  }

  /**
   * @param streamKey the stream's key (e.g. {@code llmcap:audit})
   * @param maxLength entries kept, approximately (older ones are trimmed)
   */
  public static RedisStreamAuditSink open(RedisEndpoint endpoint, String streamKey, long maxLength, Duration timeout) {
    if (streamKey == null || streamKey.isBlank()) {
      throw new IllegalArgumentException("the audit stream needs a key, e.g. llmcap:audit");
    }
    if (maxLength < 1) {
      throw new IllegalArgumentException("the audit stream's maximum length must be positive, got " + maxLength);
    }
    RedisConnector connector = new RedisConnector(endpoint,
        RedisLedgerStore.Options.DEFAULT.withCommandTimeout(timeout).withConnectTimeout(timeout));
    return new RedisStreamAuditSink(connector, streamKey, maxLength);
  }

  @Override
  public void write(AuditRecord record) throws IOException {
    try {
      if (connector.commands() == null) {
        connector.connect();
      }
      String line = new String(AuditJson.line(record), StandardCharsets.UTF_8).strip();
      XADD.run(connector.commands(), ScriptOutputType.VALUE, keys, maxLength, line);
    } catch (RedisException e) {
      throw new IOException("Redis at " + connector.description() + " did not take the audit record: "
          + e.getMessage(), e);
    }
  }

  @Override
  public void flush() {
    // Every record is written when it is taken from the queue.
  }

  @Override
  public void close() {
    connector.close();
  }

  @Override
  public String toString() {
    return "Redis stream " + keys[0] + " at " + connector.description();
  }
}
