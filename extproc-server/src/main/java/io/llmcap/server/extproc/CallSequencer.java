package io.llmcap.server.extproc;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the events of one ext_proc stream in the order they arrived, each either right away on the
 * thread that delivers it (gRPC's transport thread) or on the pool for work that may block.
 *
 * <p>Why not always the pool: every hand-off wakes a thread, and an ext_proc call has at least
 * four messages; on a small host the wake-ups cost more CPU than the decision itself. Why not
 * always the transport thread: it serves every stream of its connection, so a store round trip
 * or a megabyte of JSON there would stall the other calls. So an event runs in place when it
 * cannot block and nothing of its stream is still queued; otherwise it goes to the pool behind
 * its stream's queued events.
 *
 * <p>Safe to call from several threads at once: gRPC's transports deliver a call's events one at
 * a time, but an in-process transport may deliver a cancellation from the client's thread while
 * a message is still being handled. Each event runs after every event given before it returned.
 */
final class CallSequencer {
  private static final Logger log = LoggerFactory.getLogger(CallSequencer.class);

  private final Executor pool;
  private final Queue<Runnable> queued = new ConcurrentLinkedQueue<>();
  /** Events queued plus the one running (in place or on the pool). */
  private final AtomicInteger pending = new AtomicInteger();

  CallSequencer(Executor pool) {
    this.pool = pool;
  }

  /**
   * Runs {@code event} after every event of this stream given before it.
   *
   * @param mayBlock true when the event may wait on I/O or run long: it then runs on the pool
   */
  void run(Runnable event, boolean mayBlock) {
    if (!mayBlock && pending.compareAndSet(0, 1)) {
      try {
        event.run();
      } finally {
        if (pending.decrementAndGet() > 0) {
          // Events given while this one ran wait in the queue: hand them to the pool.
          schedule();
        }
      }
      return;
    }
    queued.add(event);
    if (pending.getAndIncrement() == 0) {
      schedule();
    }
  }

  private void schedule() {
    try {
      pool.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The pool is shut down (the server is stopping): the stream's last events still run, here.
      drain();
    }
  }

  private void drain() {
    int left;
    do {
      Runnable event = queued.poll();
      boolean returned = false;
      try {
        event.run();
        returned = true;
      } catch (RuntimeException e) {
        returned = true;
        log.error("ext_proc stream event failed on the decision pool", e);
      } finally {
        left = pending.decrementAndGet();
        if (!returned && left > 0) {
          // An Error escapes this thread; the stream's later events still run, in order.
          schedule();
        }
      }
    } while (left > 0);
  }
}
