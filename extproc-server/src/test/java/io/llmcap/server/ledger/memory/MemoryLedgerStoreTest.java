package io.llmcap.server.ledger.memory;

import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.LedgerStoreContract;
import java.time.Clock;
import java.time.Duration;

class MemoryLedgerStoreTest extends LedgerStoreContract {
  @Override
  protected LedgerStore createStore(Duration holdTtl, Clock clock) {
    return MemoryLedgerStore.inMemory(holdTtl, clock);
  }
}
