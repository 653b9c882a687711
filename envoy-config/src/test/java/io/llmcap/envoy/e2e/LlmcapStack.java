package io.llmcap.envoy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.llmcap.envoy.ShippedBootstrap;
import io.llmcap.envoy.sim.EnvoySimulator;
import io.llmcap.envoy.sim.FakeProviderUpstream;
import io.llmcap.server.Engine;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.memory.MemoryLedgerStore;
import io.llmcap.server.testing.TestEngines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * The whole path of a call on one machine: an SDK client, the Envoy simulator running the
 * shipped {@code envoy.yaml}, a real LLMCap server on a loopback port with a journaled memory
 * store, and a fake provider upstream answering in the providers' real shapes.
 */
final class LlmcapStack implements AutoCloseable {
  final FakeProviderUpstream upstream = FakeProviderUpstream.start();
  final EnvoySimulator envoy;
  private final CapsConfig config;
  private final Path dataDir;
  private final Clock clock = Clock.systemUTC();
  private final int grpcPort;
  private LlmcapServer server;

  LlmcapStack(String capsYaml, Path dataDir) {
    this.config = TestEngines.caps(capsYaml);
    this.dataDir = dataDir;
    this.server = startServer(0);
    this.grpcPort = server.grpcPort();
    this.envoy = EnvoySimulator.start(ShippedBootstrap.envoyYaml(), ShippedBootstrap.clusterAddresses(
        ShippedBootstrap.envoyYaml(), new InetSocketAddress("127.0.0.1", grpcPort), upstream.address()));
  }

  private LlmcapServer startServer(int port) {
    try {
      Engine engine = TestEngines.with(config, MemoryLedgerStore.open(dataDir, config.store().holdTtl(), clock), clock);
      return new LlmcapServer(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)), engine,
          Duration.ofSeconds(5)).start(null);
    } catch (LedgerException e) {
      throw new IllegalStateException("cannot open the test ledger: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops LLMCap (draining) and starts a new process-equivalent on the same port and data directory. */
  void restartServer() {
    server.close();
    server = startServer(grpcPort);
  }

  String baseUrl(String prefix) {
    return envoy.baseUrl(prefix);
  }

  long spentNanos(String capName) throws LedgerException {
    Engine engine = server.engine();
    return engine.ledger().snapshot(clock.instant()).stream()
        .filter(s -> s.cap().capName().equals(capName)).mapToLong(CapStatus::spentNanos).sum();
  }

  long reservedNanos() throws LedgerException {
    Engine engine = server.engine();
    return engine.ledger().snapshot(clock.instant()).stream().mapToLong(CapStatus::reservedNanos).sum();
  }

  /**
   * Waits until every call the simulator carried has ended and no hold is left. LLMCap settles
   * before replying to the last body chunk, so this is normally already true when the SDK returns.
   */
  void awaitSettled(int streams) throws Exception {
    envoy.stats().awaitStreamsFinished(streams, Duration.ofSeconds(20));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (reservedNanos() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, reservedNanos(), "no reservation is left behind");
  }

  @Override
  public void close() {
    envoy.close();
    server.close();
    upstream.close();
  }
}
