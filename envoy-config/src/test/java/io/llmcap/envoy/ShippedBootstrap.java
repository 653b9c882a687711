package io.llmcap.envoy;

import io.llmcap.envoy.sim.BootstrapLoader;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Locates the bootstrap this module ships, from the module directory Maven runs tests in. */
public final class ShippedBootstrap {

    private ShippedBootstrap() {
    }

    public static Path envoyYaml() {
        return file("envoy.yaml");
    }

    /** A shipped file of this module by name, e.g. {@code envoy-ext-authz.yaml}. */
    public static Path file(String name) {
        Path moduleDir = Path.of(System.getProperty("basedir", "."));
        Path file = moduleDir.resolve(name);
        if (!Files.isRegularFile(file)) {
            file = moduleDir.resolve("envoy-config").resolve(name);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(name + " not found under " + moduleDir.toAbsolutePath()
                    + "; run the tests from the envoy-config module or the repository root");
        }
        return file;
    }

    /** Where the simulator reaches each cluster of {@code bootstrap}: LLMCap at one address, every provider at another. */
    public static Map<String, InetSocketAddress> clusterAddresses(Path bootstrap, InetSocketAddress llmcap,
            InetSocketAddress providers) {
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        BootstrapLoader.load(bootstrap).getStaticResources().getClustersList()
                .forEach(c -> addresses.put(c.getName(), c.getName().equals("llmcap") ? llmcap : providers));
        return addresses;
    }
}
