package io.llmcap.server.alerts;

/** Where claimed alerts go besides the log. Called off the decision path, on the alerts thread. */
public interface AlertSink extends AutoCloseable {
  void send(Alert alert);

  @Override
  default void close() {}

  AlertSink NONE = alert -> {};
}
