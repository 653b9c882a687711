package io.llmcap.server;

import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.PriceCatalog;
import io.llmcap.pricing.PriceOverride;
import io.llmcap.pricing.PricingException;
import io.llmcap.server.cap.CapDefinition;
import io.llmcap.server.cap.CapPolicy;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.config.ConfigException;
import io.llmcap.server.config.PricingConfig;
import io.llmcap.server.config.StoreConfig;
import io.llmcap.server.config.UnknownModelPolicy;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.memory.MemoryLedgerStore;
import io.llmcap.server.ledger.redis.RedisEndpoint;
import io.llmcap.server.ledger.redis.RedisLedgerStore;
import io.llmcap.server.provider.ProviderRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/** Turns a caps file into a ready {@link Engine}: loads prices, opens the spend store. */
public final class EngineFactory {
  /** Catalog key under which the {@code enforcement.unknownModel} price is kept. */
  static final String UNKNOWN_MODEL_KEY = "llmcap/unknown-model";
  /** How store errors name their origin: the parsed config no longer knows its file name. */
  private static final String CONFIG_SOURCE = "caps file";

  private EngineFactory() {}

  /** Prices and cap policy of a config, without opening a store (used by {@code llmcap check}). */
  public static PriceCatalog catalog(PricingConfig pricing) throws PricingException {
    PriceCatalog catalog = "bundled".equals(pricing.catalog())
        ? PriceCatalog.bundled()
        : PriceCatalog.load(Path.of(pricing.catalog()));
    return pricing.overrides().isEmpty() ? catalog : catalog.withOverrides(pricing.overrides());
  }

  public static Engine create(CapsConfig config, Clock clock) throws ConfigException, LedgerException {
    Engine priced = priced(config, null, clock, CONFIG_SOURCE);
    LedgerStore ledger = openStore(config, clock);
    return new Engine(config, priced.catalog(), priced.policy(), priced.providers(), priced.unknownModelPrice(),
        ledger, clock);
  }

  /**
   * The engine for a reloaded caps file: new prices and caps over the ledger {@code running} already has open, so
   * spend and in-flight reservations carry over untouched. The store itself cannot change under running calls.
   *
   * @param source the caps file's name, for error messages
   * @throws ConfigException when the file's {@code store} section differs from the running one in anything but
   *     {@code onFailure} (which each call reads afresh), or its prices cannot be loaded
   */
  public static Engine reload(CapsConfig config, String source, Engine running) throws ConfigException {
    StoreConfig was = running.config().store();
    StoreConfig now = config.store();
    if (was.type() != now.type() || !java.util.Objects.equals(was.path(), now.path())
        || !java.util.Objects.equals(was.uri(), now.uri()) || !was.nodes().equals(now.nodes())
        || !was.holdTtl().equals(now.holdTtl()) || !was.timeout().equals(now.timeout())) {
      throw new ConfigException(source, 0, 0, "store",
          "the store section changed (type/path/uri/nodes/holdTtl/timeout); the open spend store cannot be swapped under "
              + "running calls: restart to change the store. Until then the previous caps stay in force.");
    }
    if (now.type() == StoreConfig.Type.REDIS) {
      checkRedisLimits(config, source);
    }
    return priced(config, running.ledger(), running.clock(), source);
  }

  private static Engine priced(CapsConfig config, LedgerStore ledger, Clock clock, String source)
      throws ConfigException {
    PriceCatalog catalog;
    ModelPrice unknownModelPrice = null;
    try {
      catalog = catalog(config.pricing());
      if (config.enforcement().unknownModel() instanceof UnknownModelPolicy.Price price) {
        PriceOverride unknown = PriceOverride.of(UNKNOWN_MODEL_KEY, price.inputPerMTok(), price.outputPerMTok());
        unknownModelPrice = catalog.withOverrides(List.of(unknown)).entry(UNKNOWN_MODEL_KEY).orElseThrow();
      }
    } catch (PricingException e) {
      throw new ConfigException(source, 0, 0, "pricing", e.getMessage());
    }
    return new Engine(config, catalog, new CapPolicy(config.caps()), ProviderRegistry.standard(), unknownModelPrice,
        ledger, clock);
  }

  private static void checkRedisLimits(CapsConfig config, String source) throws ConfigException {
    for (int i = 0; i < config.caps().size(); i++) {
      CapDefinition cap = config.caps().get(i);
      if (cap.limitNanos() > RedisLedgerStore.MAX_LIMIT_NANOS) {
        throw new ConfigException(source, 0, 0, "caps[" + i + "].limitUsd",
            "cap '" + cap.name() + "': the Redis store compares money exactly only up to "
                + RedisLedgerStore.MAX_LIMIT_NANOS + " nano-USD (about $9,007,199) per cap; "
                + "lower the limit or split the cap");
      }
    }
  }

  private static LedgerStore openStore(CapsConfig config, Clock clock) throws ConfigException, LedgerException {
    StoreConfig store = config.store();
    if (store.type() == StoreConfig.Type.MEMORY) {
      return MemoryLedgerStore.open(store.path(), store.holdTtl(), clock);
    }
    checkRedisLimits(config, CONFIG_SOURCE);
    RedisEndpoint endpoint = store.uri() != null
        ? RedisEndpoint.of(store.uri())
        : RedisEndpoint.cluster(store.nodes());
    try {
      // Never fails because Redis is down: the store reconnects by itself meanwhile.
      return RedisLedgerStore.open(endpoint, store.holdTtl(), clock,
          RedisLedgerStore.Options.DEFAULT.withCommandTimeout(store.timeout()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(CONFIG_SOURCE, 0, 0, store.uri() != null ? "store.uri" : "store.nodes",
          e.getMessage());
    }
  }
}
