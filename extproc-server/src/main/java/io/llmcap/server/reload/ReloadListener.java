package io.llmcap.server.reload;

import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.config.ConfigException;

/**
 * Told of each caps-file reload (metrics, audit). Called on the reloader's thread after the outcome is in force;
 * a listener that throws is logged and ignored, never changes the outcome.
 */
public interface ReloadListener {

  /** No-op listener. */
  ReloadListener NONE = new ReloadListener() {};

  /**
   * A changed caps file is now in force for new calls.
   *
   * @param sha256 hex SHA-256 of the file's bytes
   */
  default void applied(CapsConfig config, String sha256) {}

  /** A changed caps file was refused; the previous caps stay in force. */
  default void refused(ConfigException error) {}
}
