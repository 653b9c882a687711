package io.llmcap.envoy.sim;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Envoy stand-in configured from a real Envoy bootstrap: an HTTP/1.1 listener on a free loopback port that
 * routes like the file's routes and runs the file's ext_proc filter against any ext_proc gRPC server, as Envoy
 * does (docs/envoy-ext-proc.md §9). Deviations from the file: the listener port is ephemeral, and every
 * cluster is reached at the address the caller gives, in plain text (no DNS, no upstream TLS). Both are logged.
 *
 * <pre>{@code
 * try (EnvoySimulator envoy = EnvoySimulator.start(Path.of("envoy.yaml"), Map.of(
 *         "llmcap", serverAddress, "openai", upstream.address(), "anthropic", upstream.address(),
 *         "gemini", upstream.address()))) {
 *     OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(envoy.baseUrl("/openai/v1")).apiKey("k").build();
 * }
 * }</pre>
 */
public final class EnvoySimulator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EnvoySimulator.class);

    private final SimulatorConfig config;
    private final SimulatorStats stats = new SimulatorStats();
    private final Map<String, InetSocketAddress> clusterAddresses;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final ExecutorService executor;
    private final HttpServer server;

    private EnvoySimulator(SimulatorConfig config, Map<String, InetSocketAddress> clusterAddresses) throws IOException {
        this.config = config;
        this.clusterAddresses = clusterAddresses;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "envoy-sim-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        Runtime runtime = new Runtime();
        server.createContext("/", exchange -> {
            try {
                new StreamProcessor(exchange, runtime).run();
            } catch (StreamProcessor.StreamReset reset) {
                stats.downstreamResets.incrementAndGet();
                // Propagating makes the JDK server drop the connection mid-body: the HTTP/1.1 form of a reset.
                throw reset;
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    /**
     * Starts a simulator from {@code bootstrapYaml}.
     *
     * @param clusterAddresses where to reach each cluster of the file, by cluster name; every cluster needs one
     * @throws IllegalArgumentException if the file does not parse strictly, or an address is missing or unknown
     * @throws UnsupportedOperationException if the file uses Envoy behaviour the simulator does not reproduce
     */
    public static EnvoySimulator start(Path bootstrapYaml, Map<String, InetSocketAddress> clusterAddresses) {
        SimulatorConfig config = SimulatorConfig.from(BootstrapLoader.load(bootstrapYaml));
        Set<String> unknown = new TreeSet<>(clusterAddresses.keySet());
        unknown.removeAll(config.clusters().keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("addresses given for clusters " + unknown + " that " + bootstrapYaml
                    + " does not define; it defines " + config.clusters().keySet());
        }
        Set<String> missing = new TreeSet<>(config.clusters().keySet());
        missing.removeAll(clusterAddresses.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no address for clusters " + missing + " of " + bootstrapYaml
                    + "; the simulator reaches clusters only at addresses the test gives");
        }
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>(clusterAddresses);
        for (SimulatorConfig.ClusterSpec cluster : config.clusters().values()) {
            LOG.info("cluster {}: {}:{}{} replaced by {} in plain {}", cluster.name(), cluster.address(), cluster.port(),
                    cluster.tls() ? " over TLS" : "", addresses.get(cluster.name()),
                    cluster.http2() ? "HTTP/2" : "HTTP/1.1");
        }
        try {
            EnvoySimulator simulator = new EnvoySimulator(config, Map.copyOf(addresses));
            LOG.info("Envoy simulator listening on {} (the file's listener port is replaced by a free one)",
                    simulator.baseUri());
            return simulator;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the simulator's loopback listener", e);
        }
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI baseUri() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort());
    }

    /** A client base URL under a route, e.g. {@code baseUrl("/openai/v1")}, {@code baseUrl("/anthropic")}. */
    public String baseUrl(String pathPrefix) {
        return baseUri() + pathPrefix;
    }

    public SimulatorConfig config() {
        return config;
    }

    public SimulatorStats stats() {
        return stats;
    }

    @Override
    public void close() {
        server.stop(0);
        channels.values().forEach(ManagedChannel::shutdownNow);
        executor.shutdownNow();
        try {
            for (ManagedChannel channel : channels.values()) {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Runtime implements SimulatorRuntime {
        @Override
        public SimulatorConfig config() {
            return config;
        }

        @Override
        public SimulatorStats stats() {
            return stats;
        }

        @Override
        public ManagedChannel channel(String cluster, String authority) {
            SimulatorConfig.ClusterSpec spec = config.clusters().get(cluster);
            if (spec == null) {
                throw new IllegalArgumentException("ext_proc names cluster " + cluster + ", which is not defined");
            }
            if (!spec.http2()) {
                throw new IllegalStateException("ext_proc cluster " + cluster + " is not configured for HTTP/2; "
                        + "Envoy cannot speak gRPC to it");
            }
            return channels.computeIfAbsent(cluster + "|" + authority, key ->
                    NettyChannelBuilder.forAddress(clusterAddress(cluster))
                            .usePlaintext()
                            .overrideAuthority(authority)
                            .maxInboundMessageSize(Integer.MAX_VALUE)
                            .build());
        }

        @Override
        public InetSocketAddress clusterAddress(String cluster) {
            InetSocketAddress address = clusterAddresses.get(cluster);
            if (address == null) {
                throw new IllegalArgumentException("no address for cluster " + cluster);
            }
            return address;
        }

        @Override
        public Executor executor() {
            return executor;
        }
    }
}
