package io.llmcap.server.ledger.memory;

import io.llmcap.server.ledger.LedgerStore;
import io.llmcap.server.ledger.LedgerStoreContract;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The contract again with the journal on, so writing records never changes a decision. */
class JournaledMemoryLedgerStoreTest extends LedgerStoreContract {
  @TempDir Path dir;

  @Override
  protected LedgerStore createStore(Duration holdTtl, Clock clock) throws Exception {
    return MemoryLedgerStore.open(dir, holdTtl, clock);
  }
}
