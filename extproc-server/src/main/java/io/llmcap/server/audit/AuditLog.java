package io.llmcap.server.audit;

import io.llmcap.server.extproc.CallListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns decisions and settlements into audit records and hands them to a writer thread through a
 * bounded queue, so a slow disk never slows a decision.
 *
 * <p>When the queue is full the record is <b>dropped</b>: the decision path never waits for the
 * audit trail. Drops are counted ({@link #dropped()}) and logged at most every ten seconds with
 * the running count; size the queue (and the disk) so that it does not happen. A sink that fails
 * to write loses that record the same way, logged.
 */
public final class AuditLog implements CallListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  private static final long DROP_LOG_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

  private final AuditSink sink;
  private final BlockingQueue<AuditRecord> queue;
  private final Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private volatile long lastDropLog = System.nanoTime() - DROP_LOG_INTERVAL_NANOS;
  private volatile boolean closing;

  public AuditLog(AuditSink sink, int queueCapacity) {
    this.sink = sink;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.writer = new Thread(this::drain, "llmcap-audit");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public void decided(Decision decision) {
    enqueue(AuditRecord.of(decision));
  }

  @Override
  public void settled(Settlement settlement) {
    enqueue(AuditRecord.of(settlement));
  }

  private void enqueue(AuditRecord record) {
    if (closing || !queue.offer(record)) {
      long n = dropped.incrementAndGet();
      long now = System.nanoTime();
      if (now - lastDropLog >= DROP_LOG_INTERVAL_NANOS) {
        lastDropLog = now;
        log.warn("audit queue full: {} audit record(s) dropped so far (the writer to {} cannot keep up)", n, sink);
      }
    }
  }

  private void drain() {
    List<AuditRecord> batch = new ArrayList<>(256);
    while (true) {
      try {
        AuditRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing && queue.isEmpty()) {
            return;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, 255);
        for (AuditRecord r : batch) {
          try {
            sink.write(r);
            written.incrementAndGet();
          } catch (IOException | RuntimeException e) {
            dropped.incrementAndGet();
            log.error("cannot write an audit record to {}: {}", sink, e.toString());
          }
        }
        batch.clear();
        if (queue.isEmpty()) {
          sink.flush();
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        log.error("cannot flush {}: {}", sink, e.toString());
      }
    }
  }

  /** Records lost to a full queue or a failed write since start. */
  public long dropped() {
    return dropped.get();
  }

  /** Records written since start. */
  public long written() {
    return written.get();
  }

  /** Writes what is queued (waiting up to five seconds), then closes the sink. */
  @Override
  public void close() {
    closing = true;
    try {
      writer.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writer.interrupt();
    try {
      sink.flush();
      sink.close();
    } catch (IOException e) {
      log.error("cannot close {}: {}", sink, e.toString());
    }
  }
}
