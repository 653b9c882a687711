package io.llmcap.envoy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the bootstrap this module ships, from the module directory Maven runs tests in. */
public final class ShippedBootstrap {

    private ShippedBootstrap() {
    }

    public static Path envoyYaml() {
        Path moduleDir = Path.of(System.getProperty("basedir", "."));
        Path file = moduleDir.resolve("envoy.yaml");
        if (!Files.isRegularFile(file)) {
            file = moduleDir.resolve("envoy-config").resolve("envoy.yaml");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("envoy.yaml not found under " + moduleDir.toAbsolutePath()
                    + "; run the tests from the envoy-config module or the repository root");
        }
        return file;
    }
}
