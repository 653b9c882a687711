package io.llmcap.server;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.protobuf.services.HealthStatusManager;
import io.llmcap.server.admin.AdminFeatures;
import io.llmcap.server.admin.AdminHttpServer;
import io.llmcap.server.authz.AuthzService;
import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.extproc.ExtProcService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the gRPC server (ext_proc, ext_authz, health), the admin HTTP port and the engine. Built
 * from a {@link ServerBuilder} so tests can run it in-process.
 *
 * <p>Shutdown order: health NOT_SERVING (Envoy's health checks steer new calls away), stop
 * accepting calls, let in-flight streams finish and settle within the grace period, force the
 * rest (their cancellation settles them), then close the store.
 *
 * <p>Threads: gRPC runs the services on its transport threads (a direct executor); what may block
 * there (a store round trip over the network, a megabyte of JSON) goes to a pool of its own. An
 * ext_proc call then costs no thread hand-off at all with the embedded store.
 */
public final class LlmcapServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LlmcapServer.class);
  /** Buffered request bodies arrive as one gRPC message: allow large prompts (Envoy's buffer limit is the real bound). */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  private final AtomicReference<Engine> engine;
  private final Server grpc;
  private final HealthStatusManager health = new HealthStatusManager();
  private final AtomicBoolean serving = new AtomicBoolean();
  private final Duration grace;
  private final ExtProcService extProc;
  /**
   * Store round trips that wait on I/O and large request bodies: as many threads as are waiting,
   * like gRPC's own default executor, since a slow store must slow calls, not queue them behind
   * one another.
   */
  private final ExecutorService blockingWork = Executors.newCachedThreadPool(new ThreadFactory() {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "llmcap-decide-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  });
  private volatile Supplier<String> readinessDetail = () -> "";
  private AdminHttpServer admin;
  private AdminFeatures adminFeatures = AdminFeatures.none();

  public LlmcapServer(ServerBuilder<?> builder, Engine engine, Duration grace) {
    this(builder, engine, grace, CallListener.NONE);
  }

  /** @param listener told of every decision and settlement (metrics, audit, alerts) */
  public LlmcapServer(ServerBuilder<?> builder, Engine engine, Duration grace, CallListener listener) {
    this.engine = new AtomicReference<>(engine);
    this.grace = grace;
    String instanceId = UUID.randomUUID().toString().substring(0, 8);
    this.extProc = new ExtProcService(this.engine::get, listener, instanceId, blockingWork);
    this.grpc = builder
        // Services run on the transport threads and hand what may block to blockingWork themselves.
        .directExecutor()
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .addService(ServerInterceptors.intercept(extProc, ExtProcService.providerHintInterceptor()))
        .addService(new AuthzService(this.engine::get, blockingWork))
        .addService(health.getHealthService())
        .build();
  }

  /** What the admin port serves beyond health and caps (metrics, writes, denials); set before {@link #start}. */
  public LlmcapServer adminFeatures(AdminFeatures features) {
    this.adminFeatures = features;
    return this;
  }

  /** Starts gRPC, and the admin port when {@code adminAddress} is not null. */
  public LlmcapServer start(InetSocketAddress adminAddress) throws IOException {
    grpc.start();
    serving.set(true);
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    if (adminAddress != null) {
      admin = AdminHttpServer.start(adminAddress, engine::get, serving::get, adminFeatures,
          () -> readinessDetail.get());
    }
    return this;
  }

  public int grpcPort() {
    return grpc.getPort();
  }

  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  public Engine engine() {
    return engine.get();
  }

  /**
   * Puts a reloaded engine in force for calls that start from now on. Calls already in flight keep the engine
   * they started with and settle against the reservation they made, in the same ledger, so a swap neither drops
   * nor double-charges them.
   *
   * @param next an engine sharing this server's open ledger (see {@link EngineFactory#reload})
   * @return the engine it replaced
   * @throws IllegalArgumentException if {@code next} carries another ledger: the store cannot change live
   */
  public Engine apply(Engine next) {
    Engine current = engine.get();
    if (next.ledger() != current.ledger()) {
      throw new IllegalArgumentException("a reloaded engine must share the open ledger; restart to change the store");
    }
    if (!engine.compareAndSet(current, next)) {
      throw new IllegalStateException("another reload was applied concurrently; reloads must be serialised");
    }
    return current;
  }

  /** A line added to {@code /readyz} while ready, e.g. the last refused reload. Empty for none. */
  public void readinessDetail(Supplier<String> detail) {
    this.readinessDetail = detail;
  }

  public void awaitTermination() throws InterruptedException {
    grpc.awaitTermination();
  }

  @Override
  public void close() {
    if (!serving.getAndSet(false)) {
      return;
    }
    health.enterTerminalState();
    grpc.shutdown();
    try {
      if (!grpc.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("in-flight calls still open after {} ms; cancelling them (each is settled)", grace.toMillis());
        grpc.shutdownNow();
        grpc.awaitTermination(5, TimeUnit.SECONDS);
      }
      // Cancellations reach the calls after the transport closed: let them settle first.
      if (!extProc.awaitNoOpenCalls(Duration.ofSeconds(5))) {
        log.warn("{} call(s) did not settle before the store closed; their holds will be charged by the hold TTL",
            extProc.openCalls());
      }
    } catch (InterruptedException e) {
      grpc.shutdownNow();
      Thread.currentThread().interrupt();
    }
    blockingWork.shutdown();
    try {
      // A reservation still running there must finish before the store closes under it.
      if (!blockingWork.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("decisions still running 5 s after shutdown; closing the store under them (their holds expire)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (admin != null) {
      admin.close();
    }
    engine.get().ledger().close();
    log.info("LLMCap stopped");
  }
}
