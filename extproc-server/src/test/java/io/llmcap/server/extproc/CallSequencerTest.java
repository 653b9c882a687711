package io.llmcap.server.extproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CallSequencerTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void anEventThatCannotBlockRunsOnTheCallingThread() {
    CallSequencer sequencer = new CallSequencer(pool);
    AtomicReference<Thread> ran = new AtomicReference<>();
    sequencer.run(() -> ran.set(Thread.currentThread()), false);
    assertSame(Thread.currentThread(), ran.get());
  }

  @Test
  void anEventThatMayBlockRunsOnThePoolAndLaterEventsWaitForIt() throws Exception {
    CallSequencer sequencer = new CallSequencer(pool);
    CountDownLatch release = new CountDownLatch(1);
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    AtomicReference<Thread> blockingThread = new AtomicReference<>();
    AtomicReference<Thread> laterThread = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    sequencer.run(() -> {
      blockingThread.set(Thread.currentThread());
      await(release);
      order.add("reserve");
    }, true);
    // Cannot block, but must not overtake the reservation still running on the pool.
    sequencer.run(() -> {
      laterThread.set(Thread.currentThread());
      order.add("cancel");
      done.countDown();
    }, false);
    assertTrue(order.isEmpty(), "nothing ran out of order while the first event waits");
    release.countDown();
    assertTrue(done.await(5, TimeUnit.SECONDS));
    assertEquals(List.of("reserve", "cancel"), order);
    assertNotSame(Thread.currentThread(), blockingThread.get());
    assertNotSame(Thread.currentThread(), laterThread.get());
  }

  @Test
  void eventsGivenFromManyThreadsAtOnceNeverOverlapAndAllRun() throws Exception {
    CallSequencer sequencer = new CallSequencer(pool);
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger ran = new AtomicInteger();
    int threads = 4;
    int each = 2_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> givers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      Thread giver = new Thread(() -> {
        await(start);
        for (int i = 0; i < each; i++) {
          sequencer.run(() -> {
            if (running.incrementAndGet() != 1) {
              overlaps.incrementAndGet();
            }
            ran.incrementAndGet();
            running.decrementAndGet();
          }, (i + seed) % 3 == 0);
        }
      });
      giver.start();
      givers.add(giver);
    }
    start.countDown();
    for (Thread giver : givers) {
      giver.join(10_000);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ran.get() < threads * each && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(threads * each, ran.get());
    assertEquals(0, overlaps.get());
  }

  @Test
  void anEventThatThrowsOnThePoolDoesNotStopTheStreamsLaterEvents() throws Exception {
    CallSequencer sequencer = new CallSequencer(pool);
    CountDownLatch later = new CountDownLatch(1);
    sequencer.run(() -> {
      throw new IllegalStateException("a bug in one phase");
    }, true);
    sequencer.run(later::countDown, false);
    assertTrue(later.await(5, TimeUnit.SECONDS));
  }

  @Test
  void reservationsSettlementsAndLargeBodiesMayBlockAndHeadersAndStreamedChunksDoNot() {
    ProcessingRequest headers = ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.getDefaultInstance())
        .build();
    ProcessingRequest smallBody = body(1_000, false);
    ProcessingRequest largeBody = body(ExtProcService.INLINE_BODY_BYTES + 1, false);
    ProcessingRequest chunk = ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFromUtf8("data: {}\n\n"))).build();
    ProcessingRequest lastChunk = ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
        .setEndOfStream(true)).build();

    // The embedded store: only large bodies leave the transport thread.
    assertEquals(false, ExtProcService.mayBlock(headers, false, false));
    assertEquals(false, ExtProcService.mayBlock(smallBody, false, false));
    assertEquals(true, ExtProcService.mayBlock(largeBody, false, false));
    assertEquals(false, ExtProcService.mayBlock(lastChunk, false, false));

    // Redis: the reservation waits on it; the settlement is queued in the background.
    assertEquals(false, ExtProcService.mayBlock(headers, true, false), "headers read only what the store knows locally");
    assertEquals(true, ExtProcService.mayBlock(smallBody, true, false));
    assertEquals(false, ExtProcService.mayBlock(chunk, true, false));
    assertEquals(false, ExtProcService.mayBlock(lastChunk, true, false));

    // A store whose settle waits (a journal synced on every write), or a call metered while the store was down.
    assertEquals(true, ExtProcService.mayBlock(lastChunk, true, true));
    assertEquals(false, ExtProcService.mayBlock(chunk, true, true));
  }

  private static ProcessingRequest body(int size, boolean endOfStream) {
    return ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFrom(new byte[size])).setEndOfStream(endOfStream)).build();
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
