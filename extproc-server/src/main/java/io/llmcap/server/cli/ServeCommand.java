package io.llmcap.server.cli;

import io.llmcap.pricing.NanoUsd;
import io.llmcap.server.Engine;
import io.llmcap.server.EngineFactory;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.cap.CapDefinition;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.config.CapsFileParser;
import io.llmcap.server.config.ConfigException;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.reload.ReloadListener;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the ext_proc / ext_authz gRPC server and the admin HTTP port.")
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Option(names = "--config", paramLabel = "caps.yaml",
      description = "Caps file. Without it LLMCap runs on its embedded default: memory store journaled under "
          + "./llmcap-data, bundled prices, one permissive demo cap.")
  Path config;

  @Option(names = "--grpc-port", defaultValue = "50051", description = "gRPC port for ext_proc, ext_authz and health (default: ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(names = "--admin-port", defaultValue = "9090", description = "Admin HTTP port: /v1/caps, /healthz, /readyz (default: ${DEFAULT-VALUE}; 0 picks a free port, -1 disables).")
  int adminPort;

  @Option(names = "--admin-address", defaultValue = "0.0.0.0", description = "Address the admin port binds to (default: ${DEFAULT-VALUE}).")
  String adminAddress;

  @Option(names = "--grace", defaultValue = "PT30S", converter = DurationConverter.class,
      description = "How long SIGTERM waits for in-flight calls to finish and settle (default: 30s).")
  Duration grace;

  @Mixin
  OperationsOptions operations;

  @Mixin
  DeploymentOptions deployment = new DeploymentOptions();

  @Override
  public Integer call() throws Exception {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    CapsConfig caps;
    try {
      caps = config == null ? CapsFileParser.embeddedDefault() : CapsFileParser.parse(config);
    } catch (ConfigException e) {
      System.err.println("llmcap: invalid caps file: " + e.getMessage());
      return 2;
    }
    describe(caps);
    // Load the tokenizer tables now rather than on the first OpenAI call (about half a second).
    io.llmcap.pricing.TokenCounters.warmUp();
    io.grpc.ServerBuilder<?> grpcBuilder;
    try {
      grpcBuilder = deployment.grpcServerBuilder(grpcPort);
    } catch (java.io.IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
      System.err.println("llmcap: cannot set up TLS on the gRPC port: " + e.getMessage());
      return 2;
    }
    Engine engine;
    try {
      engine = EngineFactory.create(caps, Clock.systemUTC());
    } catch (ConfigException | LedgerException e) {
      System.err.println("llmcap: cannot start: " + e.getMessage());
      return 2;
    }
    java.util.concurrent.atomic.AtomicReference<LlmcapServer> running = new java.util.concurrent.atomic.AtomicReference<>();
    OperationsOptions.Operations ops;
    try {
      ops = operations.open(engine, () -> running.get() == null ? null : running.get().engine());
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("llmcap: cannot start: " + e.getMessage());
      engine.ledger().close();
      return 2;
    }
    LlmcapServer server = new LlmcapServer(grpcBuilder, ops.engine(), grace, ops.listener())
        .adminFeatures(ops.adminFeatures());
    running.set(server);
    server.start(adminPort < 0 ? null : new InetSocketAddress(adminAddress, adminPort));
    deployment.watchCaps(config, server, new ReloadListener() {
      @Override
      public void applied(CapsConfig config, String sha256) {
        ops.configReloads().applied();
      }

      @Override
      public void refused(ConfigException error) {
        ops.configReloads().refused();
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down: draining in-flight calls (grace {}s)", grace.toSeconds());
      deployment.close();
      server.close();
      ops.close();
    }, "llmcap-shutdown"));
    log.info("LLMCap serving ext_proc, ext_authz and health on gRPC port {} ({}){}", server.grpcPort(),
        deployment.transport(),
        server.adminPort() < 0 ? "" : "; admin HTTP on port " + server.adminPort());
    server.awaitTermination();
    return 0;
  }

  private void describe(CapsConfig caps) {
    if (config == null) {
      log.info("No --config given: running on the embedded default (memory store journaled under {}, bundled "
          + "prices, one permissive demo cap). Pass --config caps.yaml for real caps.", caps.store().path());
    } else {
      log.info("Caps file {}: store {}, {} cap(s)", config, caps.store().type().name().toLowerCase(java.util.Locale.ROOT),
          caps.caps().size());
    }
    if (caps.store().type() == io.llmcap.server.config.StoreConfig.Type.MEMORY
        && (caps.store().uri() != null || !caps.store().nodes().isEmpty())) {
      log.warn("store.uri/nodes are set but store.type is memory: each replica keeps its own ledger, so replicas "
          + "together can spend more than a cap. Set store.type: redis to share caps.");
    }
    for (CapDefinition cap : caps.caps()) {
      log.info("  cap '{}': {} per {}{}", cap.name(), NanoUsd.formatCents(cap.limitNanos()),
          cap.window().name().toLowerCase(java.util.Locale.ROOT),
          cap.action() == io.llmcap.server.cap.CapAction.SHADOW ? " (shadow)" : "");
    }
  }
}
