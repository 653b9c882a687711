package io.llmcap.server.ledger.memory;

import io.llmcap.server.ledger.LedgerException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The append-only journal file of a memory store, plus the lock that keeps a second process off
 * the same directory.
 *
 * <p>Durability: {@link #append} hands each record to the kernel with one {@code write} call
 * before the ledger operation returns. The data is then in the OS page cache, which outlives the
 * process: a crash or {@code kill -9} loses nothing that was acknowledged (at worst the record
 * being written at that instant is torn, and replay tolerates a torn last line). Surviving power
 * loss or a kernel crash additionally needs {@code fsync}, which costs a disk flush per call; it
 * is opt-in ({@link JournalSync#EVERY_WRITE}) and done outside the ledger lock, so concurrent
 * callers share flushes.
 */
final class Journal implements AutoCloseable {
  static final String FILE_NAME = "ledger.journal";
  private static final String TEMP_NAME = "ledger.journal.tmp";
  private static final String LOCK_NAME = "ledger.lock";

  private final Path dir;
  private final Path file;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private volatile FileChannel channel;
  private long size;
  private IOException broken;

  private Journal(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Creates the directory if needed and takes its lock (one process per journal). */
  static Journal lock(Path dir) throws LedgerException {
    try {
      Files.createDirectories(dir);
      FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK_NAME),
          StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        lockChannel.close();
        throw new LedgerException("the ledger directory " + dir.toAbsolutePath()
            + " is in use by another LLMCap process; give each process its own store.path");
      }
      return new Journal(dir, lockChannel, lock);
    } catch (IOException e) {
      throw new LedgerException("cannot open the ledger directory " + dir.toAbsolutePath()
          + ": " + e, e);
    }
  }

  Path file() {
    return file;
  }

  /** The journal's bytes as they are on disk; empty when there is none yet. */
  byte[] readAll() throws LedgerException {
    try {
      return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    } catch (IOException e) {
      throw new LedgerException("cannot read the ledger journal " + file + ": " + e, e);
    }
  }

  /**
   * Replaces the journal with {@code records}: written to a temporary file, flushed, then renamed
   * over the journal in one atomic step, so a crash at any point leaves either the old or the new
   * journal whole. Appends continue on the new file.
   */
  void rewrite(List<byte[]> records) throws LedgerException {
    Path temp = dir.resolve(TEMP_NAME);
    try {
      long written = 0;
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        for (byte[] r : records) {
          writeFully(out, r);
          written += r.length;
        }
        out.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + dir + " cannot rename atomically", e);
      }
      syncDirectory();
      FileChannel old = channel;
      channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      size = written;
      broken = null;
      if (old != null) {
        old.close();
      }
    } catch (IOException e) {
      throw new LedgerException("cannot compact the ledger journal " + file + ": " + e, e);
    }
  }

  /** Appends one record; on failure nothing may be applied, and later appends fail too. */
  void append(byte[] record) throws LedgerException {
    if (broken != null) {
      throw new LedgerException("the ledger journal " + file + " failed earlier (" + broken
          + "); restart LLMCap once the disk is writable", broken);
    }
    try {
      writeFully(channel, record);
      size += record.length;
    } catch (IOException e) {
      // A partly written record would leave a corrupt line in the middle of the journal; cut it
      // off if we can, and refuse further writes either way (fail closed).
      try {
        channel.truncate(size);
      } catch (IOException ignored) {
        // the restart replay reports whatever is left
      }
      broken = e;
      throw new LedgerException("cannot write the ledger journal " + file + ": " + e, e);
    }
  }

  /** Flushes appended records to the device (power-loss durability). */
  void force() throws LedgerException {
    FileChannel c = channel;
    try {
      c.force(false);
    } catch (ClosedChannelException e) {
      // Compaction replaced the channel after flushing a copy that includes our record.
    } catch (IOException e) {
      throw new LedgerException("cannot flush the ledger journal " + file + ": " + e, e);
    }
  }

  long size() {
    return size;
  }

  @Override
  public void close() {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException ignored) {
      // nothing to recover at shutdown; the data already reached the OS
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException ignored) {
      // the OS releases the lock with the process anyway
    }
  }

  private static void writeFully(FileChannel c, byte[] bytes) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      c.write(buf);
    }
  }

  /** Makes the rename itself durable; not every platform can open a directory, hence best effort. */
  private void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Windows cannot open directories; the rename is still atomic there.
    }
  }
}
