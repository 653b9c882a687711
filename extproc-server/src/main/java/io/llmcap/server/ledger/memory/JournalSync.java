package io.llmcap.server.ledger.memory;

/** When the memory store's journal is flushed to the device. */
public enum JournalSync {
  /**
   * Records reach the OS page cache before each operation returns: nothing acknowledged is lost
   * when the process crashes or is killed (even {@code kill -9}); a power loss or kernel crash
   * can lose the last seconds. The default.
   */
  OS_CACHE,
  /** Additionally {@code fsync} after every record: survives power loss, costs a disk flush per call. */
  EVERY_WRITE
}
