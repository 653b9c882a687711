package io.llmcap.server.metrics;

/** What the config reload code reports, for {@code llmcap_config_reloads_total}. */
public interface ConfigReloads {
  /** A new caps file was loaded and is in force. */
  void applied();

  /** A changed caps file was refused; the last good one stays in force. */
  void refused();

  ConfigReloads NONE = new ConfigReloads() {
    @Override
    public void applied() {}

    @Override
    public void refused() {}
  };
}
