package io.llmcap.server.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.llmcap.server.Engine;
import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.TestEngines;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthzServiceTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

  private static CheckRequest openAiCall(String service) {
    return CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
        .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
            .setMethod("POST").setHost("api.openai.com").setPath("/v1/chat/completions")
            .putHeaders("x-llmcap-service", service))))
        .build();
  }

  private static CapInstance dayCap(String name, String subject, long limit) {
    return new CapInstance(name, subject, "day", Instant.parse("2026-11-23T00:00:00Z"),
        Instant.parse("2026-11-24T00:00:00Z"), limit, CapAction.ENFORCE);
  }

  @Test
  void allowsWhileTheCallersCapHasRoom() {
    Engine engine = TestEngines.inMemory("caps: [{name: svc, limitUsd: 1, window: day, per: service}]", clock);
    CheckResponse response = new AuthzService(() -> engine).decide(openAiCall("checkout"));
    assertEquals(0, response.getStatus().getCode());
    assertTrue(response.hasOkResponse());
  }

  @Test
  void deniesWith429OnceTheCallersCapIsSpent() throws Exception {
    Engine engine = TestEngines.inMemory("caps: [{name: svc, limitUsd: 1, window: day, per: service}]", clock);
    CapInstance spent = dayCap("svc", "checkout", 1_000_000_000L);
    engine.ledger().reserve("c1", List.of(spent), 1_000_000_000L, clock.instant());
    engine.ledger().settle("c1", 1_000_000_000L, clock.instant());

    CheckResponse denied = new AuthzService(() -> engine).decide(openAiCall("checkout"));
    assertTrue(denied.hasDeniedResponse());
    assertEquals(429, denied.getDeniedResponse().getStatus().getCodeValue());
    assertTrue(denied.getDeniedResponse().getBody().contains("svc"));
    assertTrue(denied.getDeniedResponse().getHeadersList().stream()
        .anyMatch(h -> h.getHeader().getKey().equals("x-should-retry") && h.getHeader().getValue().equals("false")));

    CheckResponse other = new AuthzService(() -> engine).decide(openAiCall("search"));
    assertTrue(other.hasOkResponse(), "another service's counter is untouched");
  }

  @Test
  void letsThroughCallsThatAreNotLlmApis() {
    Engine engine = TestEngines.inMemory("caps: [{name: org, limitUsd: 1, window: day}]", clock);
    CheckRequest health = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
        .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
            .setMethod("GET").setHost("example.com").setPath("/health")))).build();
    assertTrue(new AuthzService(() -> engine).decide(health).hasOkResponse());
  }

  /** Collects what the gate answered and on which thread. */
  private static final class Answer implements io.grpc.stub.StreamObserver<CheckResponse> {
    final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    volatile CheckResponse response;
    volatile Throwable error;
    volatile Thread thread;

    @Override
    public void onNext(CheckResponse value) {
      response = value;
      thread = Thread.currentThread();
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      thread = Thread.currentThread();
      done.countDown();
    }

    @Override
    public void onCompleted() {
      done.countDown();
    }
  }

  /** An engine whose store says it may block (as Redis does), over an in-memory ledger. */
  private Engine blockingStoreEngine() {
    Engine plain = TestEngines.inMemory("caps: [{name: org, limitUsd: 1, window: day}]", clock);
    return TestEngines.with(plain.config(), new io.llmcap.server.testing.SwitchableLedgerStore(plain.ledger()), clock);
  }

  @Test
  void withAStoreThatMayBlockTheCheckRunsOnTheBlockingWorkPool() throws Exception {
    Engine engine = blockingStoreEngine();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      Answer answer = new Answer();
      new AuthzService(() -> engine, pool).check(openAiCall("checkout"), answer);
      assertTrue(answer.done.await(5, java.util.concurrent.TimeUnit.SECONDS));
      assertTrue(answer.response.hasOkResponse());
      assertTrue(answer.thread != Thread.currentThread(), "answered from the pool, not the calling thread");

      Answer embedded = new Answer();
      Engine memory = TestEngines.inMemory("caps: [{name: org, limitUsd: 1, window: day}]", clock);
      new AuthzService(() -> memory, pool).check(openAiCall("checkout"), embedded);
      assertEquals(Thread.currentThread(), embedded.thread, "the embedded store is answered in place");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFailingCheckOnThePoolAnswersInternalSoEnvoyFailsClosed() throws Exception {
    Engine engine = blockingStoreEngine();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      Answer answer = new Answer();
      // The engine is there to choose the thread, then decide() fails (a reload racing a bug, say).
      java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
      java.util.function.Supplier<Engine> flaky = () -> {
        if (reads.incrementAndGet() > 1) {
          throw new IllegalStateException("a bug");
        }
        return engine;
      };
      new AuthzService(flaky, pool).check(openAiCall("checkout"), answer);
      assertTrue(answer.done.await(5, java.util.concurrent.TimeUnit.SECONDS));
      assertEquals(io.grpc.Status.Code.INTERNAL, io.grpc.Status.fromThrowable(answer.error).getCode());
    } finally {
      pool.shutdownNow();
    }
  }
}
