package io.llmcap.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.llmcap.envoy.sim.BootstrapLoader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvoyYamlStrictParseTest {

    private static final Bootstrap BOOTSTRAP = BootstrapLoader.load(ShippedBootstrap.envoyYaml());

    /** Every Envoy bootstrap this module ships, with its count of typed configs (Any payloads). */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> shippedBootstraps() {
        int providers = PROVIDERS.size();
        return java.util.stream.Stream.of(
                // HCM, ext_proc, router, a per-route override and a TLS context per provider, HttpProtocolOptions
                org.junit.jupiter.params.provider.Arguments.of("envoy.yaml", 4 + 2 * providers),
                // ... plus the ext_authz filter and its per-route context per provider
                org.junit.jupiter.params.provider.Arguments.of("envoy-ext-authz.yaml", 5 + 3 * providers));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("shippedBootstraps")
    void everyTypedConfigInTheFileResolvesAndUnpacksWithItsRegisteredType(String file, int typedConfigs)
            throws Exception {
        List<Any> anys = new ArrayList<>();
        collectAnys(BootstrapLoader.load(ShippedBootstrap.file(file)), anys);
        assertEquals(typedConfigs, anys.size(), "typed configs found: " + anys.stream().map(Any::getTypeUrl).toList());
        for (Any any : anys) {
            String typeName = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
            Descriptor descriptor = BootstrapLoader.TYPES.find(typeName);
            assertNotNull(descriptor, "type " + typeName + " is not in BootstrapLoader.TYPES");
            DynamicMessage unpacked = DynamicMessage.parseFrom(descriptor, any.getValue());
            assertTrue(unpacked.getUnknownFields().asMap().isEmpty(), typeName + " has unknown fields");
        }
    }

    @Test
    void misspelledFieldFailsTheLoad() throws Exception {
        String yaml = Files.readString(ShippedBootstrap.envoyYaml())
                .replace("failure_mode_allow: false", "failure_mode_alow: false");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> BootstrapLoader.parse(yaml, "misspelled.yaml"));
        assertTrue(error.getMessage().contains("failure_mode_alow"), error.getMessage());
    }

    @Test
    void misspelledFieldInsideAPerRouteTypedConfigFailsTheLoad() throws Exception {
        String yaml = Files.readString(ShippedBootstrap.envoyYaml())
                .replaceFirst("grpc_initial_metadata:", "grpc_initial_metdata:");
        assertThrows(IllegalArgumentException.class, () -> BootstrapLoader.parse(yaml, "misspelled-per-route.yaml"));
    }

    @Test
    void unregisteredTypeUrlFailsTheLoad() throws Exception {
        String yaml = Files.readString(ShippedBootstrap.envoyYaml())
                .replace("router.v3.Router", "router.v3.Routr");
        assertThrows(IllegalArgumentException.class, () -> BootstrapLoader.parse(yaml, "bad-type.yaml"));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("shippedBootstraps")
    void extProcFilterFailsClosedWithTheDocumentedModesAndTimeout(String file, int ignored) throws Exception {
        Bootstrap bootstrap = BootstrapLoader.load(ShippedBootstrap.file(file));
        ExternalProcessor extProc = httpFilterConfig(bootstrap, "envoy.filters.http.ext_proc")
                .unpack(ExternalProcessor.class);
        assertEquals("llmcap", extProc.getGrpcService().getEnvoyGrpc().getClusterName());
        assertFalse(extProc.getFailureModeAllow());
        assertEquals(2, extProc.getMessageTimeout().getSeconds());
        assertEquals(ProcessingMode.newBuilder()
                .setRequestHeaderMode(HeaderSendMode.SEND)
                .setRequestBodyMode(BodySendMode.BUFFERED)
                .setResponseHeaderMode(HeaderSendMode.SEND)
                .setResponseBodyMode(BodySendMode.STREAMED)
                .setRequestTrailerMode(HeaderSendMode.SKIP)
                .setResponseTrailerMode(HeaderSendMode.SKIP)
                .build(), extProc.getProcessingMode());
        HttpConnectionManager hcm = hcm(bootstrap);
        assertEquals("envoy.filters.http.router", hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName());
    }

    @Test
    void extAuthzVariantGatesOnHeadersOnlyBeforeExtProcAndFailsClosed() throws Exception {
        Bootstrap bootstrap = BootstrapLoader.load(ShippedBootstrap.file("envoy-ext-authz.yaml"));
        HttpConnectionManager hcm = hcm(bootstrap);
        assertEquals(List.of("envoy.filters.http.ext_authz", "envoy.filters.http.ext_proc", "envoy.filters.http.router"),
                hcm.getHttpFiltersList().stream().map(f -> f.getName()).toList());
        var authz = httpFilterConfig(bootstrap, "envoy.filters.http.ext_authz")
                .unpack(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.class);
        assertEquals("llmcap", authz.getGrpcService().getEnvoyGrpc().getClusterName(),
                "the gate asks the same LLMCap (envoy.service.auth.v3.Authorization on its gRPC port)");
        assertFalse(authz.getFailureModeAllow());
        assertFalse(authz.hasWithRequestBody(), "headers only: the body is ext_proc's");
        assertEquals(io.envoyproxy.envoy.type.v3.StatusCode.ServiceUnavailable, authz.getStatusOnError().getCode());
        assertEquals(io.envoyproxy.envoy.config.core.v3.ApiVersion.V3, authz.getTransportApiVersion());
        for (Route route : hcm.getRouteConfig().getVirtualHosts(0).getRoutesList()) {
            var perRoute = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.ext_authz")
                    .unpack(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute.class);
            String provider = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.ext_proc")
                    .unpack(ExtProcPerRoute.class).getOverrides().getGrpcInitialMetadata(0).getValue();
            assertEquals(provider, perRoute.getCheckSettings().getContextExtensionsOrThrow("provider"),
                    "the gate names the same provider as ext_proc's metadata");
        }
        Bootstrap main = BOOTSTRAP;
        assertEquals(main.getStaticResources().getClustersList(), bootstrap.getStaticResources().getClustersList(),
                "the variant differs from envoy.yaml only in the gate");
    }

    /** Route prefix → {provider id (= cluster name), provider host}; the ids LLMCap's adapters answer to. */
    private static final Map<String, String[]> PROVIDERS = Map.of(
            "/openai/", new String[] {"openai", "api.openai.com"},
            "/anthropic/", new String[] {"anthropic", "api.anthropic.com"},
            "/gemini/", new String[] {"gemini", "generativelanguage.googleapis.com"},
            "/azure/", new String[] {"azure", "your-resource.openai.azure.com"},
            "/vertex/", new String[] {"vertex", "us-central1-aiplatform.googleapis.com"},
            "/model/", new String[] {"bedrock", "bedrock-runtime.us-east-1.amazonaws.com"},
            "/mistral/", new String[] {"mistral", "api.mistral.ai"},
            "/cohere/", new String[] {"cohere", "api.cohere.com"});

    @Test
    void eachProviderRouteRewritesToTheProviderAndNamesItToLlmcap() throws Exception {
        Map<String, String[]> expected = PROVIDERS;
        List<Route> routes = hcm().getRouteConfig().getVirtualHosts(0).getRoutesList();
        assertEquals(expected.size(), routes.size());
        for (Route route : routes) {
            String[] want = expected.get(route.getMatch().getPrefix());
            assertNotNull(want, "unexpected route " + route.getMatch().getPrefix());
            assertEquals(want[0], route.getRoute().getCluster());
            // SigV4 signs the path: Bedrock's route must pass it unchanged.
            assertEquals(want[0].equals("bedrock") ? "" : "/", route.getRoute().getPrefixRewrite());
            assertEquals(want[1], route.getRoute().getHostRewriteLiteral());
            assertTrue(route.getRoute().hasTimeout() && route.getRoute().getTimeout().getSeconds() == 0
                    && route.getRoute().getTimeout().getNanos() == 0, "streams need timeout: 0s");
            assertEquals(32 * 1024 * 1024, route.getPerRequestBufferLimitBytes().getValue());
            ExtProcPerRoute perRoute = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.ext_proc")
                    .unpack(ExtProcPerRoute.class);
            assertEquals("x-llmcap-provider", perRoute.getOverrides().getGrpcInitialMetadata(0).getKey());
            assertEquals(want[0], perRoute.getOverrides().getGrpcInitialMetadata(0).getValue());
            assertFalse(perRoute.getOverrides().hasProcessingMode(), "routes inherit the filter's processing mode");
        }
        assertEquals(32 * 1024 * 1024, BOOTSTRAP.getStaticResources().getListeners(0)
                .getPerConnectionBufferLimitBytes().getValue());
    }

    @Test
    void providerClustersOriginateVerifiedTlsWithSni() throws Exception {
        for (String name : PROVIDERS.values().stream().map(v -> v[0]).toList()) {
            Cluster cluster = cluster(name);
            UpstreamTlsContext tls = cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
            String host = cluster.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                    .getSocketAddress().getAddress();
            assertEquals(host, tls.getSni());
            assertEquals(443, cluster.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
                    .getSocketAddress().getPortValue());
            assertEquals("/etc/ssl/certs/ca-certificates.crt",
                    tls.getCommonTlsContext().getValidationContext().getTrustedCa().getFilename());
            assertEquals(host, tls.getCommonTlsContext().getValidationContext().getMatchTypedSubjectAltNames(0)
                    .getMatcher().getExact());
        }
        Cluster llmcap = cluster("llmcap");
        assertEquals(Cluster.DiscoveryType.STRICT_DNS, llmcap.getType());
        var options = llmcap.getTypedExtensionProtocolOptionsOrThrow("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
                .unpack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class);
        assertTrue(options.getExplicitHttpConfig().hasHttp2ProtocolOptions());
        assertEquals("127.0.0.1", BOOTSTRAP.getAdmin().getAddress().getSocketAddress().getAddress());
    }

    private static HttpConnectionManager hcm() throws InvalidProtocolBufferException {
        return hcm(BOOTSTRAP);
    }

    private static HttpConnectionManager hcm(Bootstrap bootstrap) throws InvalidProtocolBufferException {
        return bootstrap.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig()
                .unpack(HttpConnectionManager.class);
    }

    private static Any httpFilterConfig(Bootstrap bootstrap, String name) throws InvalidProtocolBufferException {
        return hcm(bootstrap).getHttpFiltersList().stream().filter(f -> f.getName().equals(name)).findFirst().orElseThrow()
                .getTypedConfig();
    }

    private static Cluster cluster(String name) {
        return BOOTSTRAP.getStaticResources().getClustersList().stream().filter(c -> c.getName().equals(name))
                .findFirst().orElseThrow();
    }

    /** Walks every message field, descending into Any payloads through the registry. */
    private static void collectAnys(Message message, List<Any> out) throws InvalidProtocolBufferException {
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            List<?> values = field.getKey().isRepeated() ? (List<?>) field.getValue() : List.of(field.getValue());
            for (Object value : values) {
                Message child = (Message) value;
                if (child instanceof Any any) {
                    out.add(any);
                    String typeName = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
                    Descriptor descriptor = BootstrapLoader.TYPES.find(typeName);
                    assertNotNull(descriptor, "type " + typeName + " is not in BootstrapLoader.TYPES");
                    collectAnys(DynamicMessage.parseFrom(descriptor, any.getValue()), out);
                } else if (child.getDescriptorForType().getFullName().equals("google.protobuf.Any")) {
                    Any any = Any.parseFrom(child.toByteString());
                    out.add(any);
                    String typeName = any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1);
                    Descriptor descriptor = BootstrapLoader.TYPES.find(typeName);
                    assertNotNull(descriptor, "type " + typeName + " is not in BootstrapLoader.TYPES");
                    collectAnys(DynamicMessage.parseFrom(descriptor, any.getValue()), out);
                } else {
                    collectAnys(child, out);
                }
            }
        }
    }
}
