package io.llmcap.server.testing;

import io.llmcap.pricing.PriceCatalog;
import io.llmcap.server.Engine;
import io.llmcap.server.cap.CapPolicy;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.config.CapsFileParser;
import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.memory.MemoryLedgerStore;
import io.llmcap.server.provider.ProviderRegistry;
import java.time.Clock;
import java.time.Duration;

/** Engines for tests: a caps file as a string, the bundled prices, an in-memory or given ledger. */
public final class TestEngines {
  private TestEngines() {}

  public static CapsConfig caps(String yaml) {
    try {
      return CapsFileParser.parse(yaml, "test-caps.yaml");
    } catch (Exception e) {
      throw new AssertionError("test caps file does not parse: " + e.getMessage(), e);
    }
  }

  public static Engine inMemory(String capsYaml, Clock clock) {
    CapsConfig config = caps(capsYaml);
    return with(config, MemoryLedgerStore.inMemory(config.store().holdTtl(), clock), clock);
  }

  public static Engine with(CapsConfig config, LedgerStore ledger, Clock clock) {
    return new Engine(config, PriceCatalog.bundled(), new CapPolicy(config.caps()), ProviderRegistry.standard(), null,
        ledger, clock);
  }

  public static Duration holdTtl(Engine engine) {
    return engine.config().store().holdTtl();
  }
}
