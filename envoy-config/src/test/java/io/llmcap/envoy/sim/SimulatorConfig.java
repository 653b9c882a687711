package io.llmcap.envoy.sim;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the simulator takes from an Envoy bootstrap: the listener's routes, its single ext_proc filter, buffer
 * limits and clusters. Anything the simulator cannot reproduce faithfully is refused here, so a test never runs
 * against behaviour that silently differs from Envoy's.
 */
public record SimulatorConfig(
        long listenerBufferLimitBytes,
        long maxRequestHeadersCount,
        long maxRequestHeadersBytes,
        List<RouteRule> routes,
        Optional<ExtProcSettings> extProc,
        Map<String, ClusterSpec> clusters) {

    /** Envoy's default {@code per_connection_buffer_limit_bytes}. */
    static final long DEFAULT_BUFFER_LIMIT = 1024 * 1024;
    /** Envoy's default route timeout when {@code timeout} is unset. */
    static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);

    public record ClusterSpec(String name, String address, int port, boolean tls, boolean http2) {
    }

    public static SimulatorConfig from(Bootstrap bootstrap) {
        if (bootstrap.getStaticResources().getListenersCount() != 1) {
            throw unsupported("exactly one static listener is simulated, found "
                    + bootstrap.getStaticResources().getListenersCount());
        }
        Listener listener = bootstrap.getStaticResources().getListeners(0);
        long listenerLimit = listener.hasPerConnectionBufferLimitBytes()
                ? listener.getPerConnectionBufferLimitBytes().getValue() : DEFAULT_BUFFER_LIMIT;
        if (listener.getFilterChainsCount() != 1 || listener.getFilterChains(0).getFiltersCount() != 1) {
            throw unsupported("listener " + listener.getName() + " must have one filter chain with one filter (the HCM)");
        }
        Filter network = listener.getFilterChains(0).getFilters(0);
        HttpConnectionManager hcm = unpack(network.getTypedConfig(), HttpConnectionManager.class,
                "listener " + listener.getName() + " filter " + network.getName());
        if (!hcm.hasRouteConfig()) {
            throw unsupported("HCM must carry an inline route_config (RDS/scoped routes are not simulated)");
        }

        Optional<ExtProcSettings> extProc = extProcFilter(hcm);
        String extProcName = extProc.map(ExtProcSettings::filterName).orElse(null);
        List<RouteRule> routes = new ArrayList<>();
        for (VirtualHost vhost : hcm.getRouteConfig().getVirtualHostsList()) {
            if (!vhost.getDomainsList().equals(List.of("*"))) {
                throw unsupported("virtual host " + vhost.getName() + " must match domains [\"*\"]; host matching is not simulated");
            }
            for (Route route : vhost.getRoutesList()) {
                routes.add(RouteRule.from(route, vhost, listenerLimit, extProcName));
            }
        }

        Map<String, ClusterSpec> clusters = new LinkedHashMap<>();
        for (Cluster cluster : bootstrap.getStaticResources().getClustersList()) {
            clusters.put(cluster.getName(), clusterSpec(cluster));
        }
        for (RouteRule route : routes) {
            requireCluster(clusters, route.cluster(), "route " + route.prefix());
        }
        extProc.ifPresent(settings -> requireCluster(clusters, settings.clusterName(), "ext_proc grpc_service"));
        long headersKb = hcm.hasMaxRequestHeadersKb() ? hcm.getMaxRequestHeadersKb().getValue() : 60;
        long headersCount = hcm.getCommonHttpProtocolOptions().hasMaxHeadersCount()
                ? hcm.getCommonHttpProtocolOptions().getMaxHeadersCount().getValue() : 100;
        return new SimulatorConfig(listenerLimit, headersCount, headersKb * 1024, List.copyOf(routes), extProc,
                Map.copyOf(clusters));
    }

    /** Envoy picks the first route whose prefix matches {@code :path} (query string included). */
    public Optional<RouteRule> match(String path) {
        return routes.stream().filter(r -> path.startsWith(r.prefix())).findFirst();
    }

    private static Optional<ExtProcSettings> extProcFilter(HttpConnectionManager hcm) {
        List<HttpFilter> filters = hcm.getHttpFiltersList();
        if (filters.isEmpty() || !filters.get(filters.size() - 1).getTypedConfig().is(Router.class)) {
            throw unsupported("the last HTTP filter must be envoy.filters.http.router");
        }
        ExtProcSettings found = null;
        for (HttpFilter filter : filters.subList(0, filters.size() - 1)) {
            if (!filter.getTypedConfig().is(ExternalProcessor.class)) {
                throw unsupported("HTTP filter " + filter.getName() + " (" + filter.getTypedConfig().getTypeUrl()
                        + ") is not simulated; only one ext_proc filter before the router is");
            }
            if (found != null) {
                throw unsupported("a second ext_proc filter (" + filter.getName() + ") is not simulated");
            }
            found = ExtProcSettings.from(filter.getName(),
                    unpack(filter.getTypedConfig(), ExternalProcessor.class, "HTTP filter " + filter.getName()));
        }
        return Optional.ofNullable(found);
    }

    private static ClusterSpec clusterSpec(Cluster cluster) {
        var endpoints = cluster.getLoadAssignment().getEndpointsList();
        if (endpoints.size() != 1 || endpoints.get(0).getLbEndpointsCount() != 1) {
            throw unsupported("cluster " + cluster.getName() + " must have exactly one endpoint");
        }
        SocketAddress address = endpoints.get(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
        boolean tls = false;
        if (cluster.hasTransportSocket()) {
            unpack(cluster.getTransportSocket().getTypedConfig(), UpstreamTlsContext.class,
                    "cluster " + cluster.getName() + " transport_socket");
            tls = true;
        }
        boolean http2 = false;
        Any protocolOptions = cluster.getTypedExtensionProtocolOptionsMap()
                .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
        if (protocolOptions != null) {
            var options = unpack(protocolOptions, io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class,
                    "cluster " + cluster.getName() + " HttpProtocolOptions");
            http2 = options.getExplicitHttpConfig().hasHttp2ProtocolOptions();
        }
        return new ClusterSpec(cluster.getName(), address.getAddress(), address.getPortValue(), tls, http2);
    }

    private static void requireCluster(Map<String, ClusterSpec> clusters, String name, String usedBy) {
        if (!clusters.containsKey(name)) {
            throw new IllegalArgumentException(usedBy + " names cluster '" + name + "', which the bootstrap does not define; "
                    + "defined: " + clusters.keySet());
        }
    }

    static <T extends Message> T unpack(Any any, Class<T> type, String where) {
        try {
            return any.unpack(type);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(where + ": typed_config " + any.getTypeUrl() + " is not a "
                    + type.getSimpleName(), e);
        }
    }

    static UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("Envoy simulator: " + what
                + ". Extend the simulator before using this in a bootstrap it runs.");
    }

    /** Resolves the per-route override for an ext_proc filter, as Envoy merges it (most specific wins). */
    static Optional<ExtProcPerRoute> perRoute(Route route, VirtualHost vhost, String filterName) {
        if (filterName == null) {
            return Optional.empty();
        }
        Any any = route.getTypedPerFilterConfigMap().get(filterName);
        if (any == null) {
            any = vhost.getTypedPerFilterConfigMap().get(filterName);
        }
        if (any == null) {
            return Optional.empty();
        }
        return Optional.of(unpack(any, ExtProcPerRoute.class, "route " + route.getMatch().getPrefix()
                + " typed_per_filter_config " + filterName));
    }
}
