package io.llmcap.server;

import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.PriceCatalog;
import io.llmcap.server.cap.CapPolicy;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.provider.ProviderRegistry;
import java.time.Clock;

/**
 * Everything a decision reads, as one immutable snapshot. A call takes the snapshot current at its
 * start and keeps it to the end, so a configuration reload never changes the rules under a call
 * that is already in flight.
 *
 * @param unknownModelPrice the price of models the catalog does not know ({@code
 *     enforcement.unknownModel} set to a price), or null when such calls are refused
 */
public record Engine(
    CapsConfig config,
    PriceCatalog catalog,
    CapPolicy policy,
    ProviderRegistry providers,
    ModelPrice unknownModelPrice,
    LedgerStore ledger,
    Clock clock) {}
