package io.llmcap.envoy.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an Envoy bootstrap YAML into Envoy's own {@link Bootstrap} proto, strictly: an unknown field or an
 * {@code @type} this registry cannot resolve fails the load, as it would fail {@code envoy --mode validate}.
 */
public final class BootstrapLoader {

    /** Every extension type the shipped bootstraps use inside a {@code typed_config} or protocol-options Any. */
    public static final TypeRegistry TYPES = TypeRegistry.newBuilder()
            .add(HttpConnectionManager.getDescriptor())
            .add(ExternalProcessor.getDescriptor())
            .add(ExtProcPerRoute.getDescriptor())
            .add(Router.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.getDescriptor())
            .add(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute.getDescriptor())
            .add(UpstreamTlsContext.getDescriptor())
            .add(HttpProtocolOptions.getDescriptor())
            .build();

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    private BootstrapLoader() {
    }

    public static Bootstrap load(Path yamlFile) {
        String yaml;
        try {
            yaml = Files.readString(yamlFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read Envoy bootstrap " + yamlFile.toAbsolutePath(), e);
        }
        return parse(yaml, yamlFile.toString());
    }

    /** @param origin names the source in error messages */
    public static Bootstrap parse(String yaml, String origin) {
        String json;
        try {
            JsonNode tree = YAML.readTree(yaml);
            json = JSON.writeValueAsString(tree);
        } catch (IOException e) {
            throw new IllegalArgumentException("Envoy bootstrap " + origin + " is not valid YAML: " + e.getMessage(), e);
        }
        Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
        try {
            JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, bootstrap);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("Envoy bootstrap " + origin + " does not match Envoy's v3 API: "
                    + e.getMessage() + ". Fix the field name or, for a new extension, add its type to "
                    + "BootstrapLoader.TYPES.", e);
        }
        return bootstrap.build();
    }
}
