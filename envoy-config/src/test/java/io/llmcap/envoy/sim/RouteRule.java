package io.llmcap.envoy.sim;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import java.time.Duration;
import java.util.Optional;

/** One prefix route of the listener, with what the router and the ext_proc filter read from it. */
public record RouteRule(
        String prefix,
        String cluster,
        Optional<String> prefixRewrite,
        Optional<String> hostRewriteLiteral,
        Duration timeout,
        long bufferLimitBytes,
        Optional<ExtProcPerRoute> extProcPerRoute) {

    static RouteRule from(Route route, VirtualHost vhost, long listenerLimit, String extProcFilterName) {
        if (!route.getMatch().hasPrefix() || route.getMatch().getHeadersCount() > 0
                || route.getMatch().getQueryParametersCount() > 0) {
            throw SimulatorConfig.unsupported("route " + route.getName() + " must match on prefix only");
        }
        if (!route.hasRoute()) {
            throw SimulatorConfig.unsupported("route " + route.getMatch().getPrefix() + " must be a route action "
                    + "(redirect/direct_response are not simulated)");
        }
        RouteAction action = route.getRoute();
        if (action.getClusterSpecifierCase() != RouteAction.ClusterSpecifierCase.CLUSTER) {
            throw SimulatorConfig.unsupported("route " + route.getMatch().getPrefix() + " must name one cluster");
        }
        if (action.getHostRewriteSpecifierCase() != RouteAction.HostRewriteSpecifierCase.HOST_REWRITE_LITERAL
                && action.getHostRewriteSpecifierCase() != RouteAction.HostRewriteSpecifierCase.HOSTREWRITESPECIFIER_NOT_SET) {
            throw SimulatorConfig.unsupported("route " + route.getMatch().getPrefix() + ": only host_rewrite_literal is simulated");
        }
        if (action.hasRegexRewrite() || action.hasPathRewritePolicy()) {
            throw SimulatorConfig.unsupported("route " + route.getMatch().getPrefix() + ": only prefix_rewrite is simulated");
        }
        Duration timeout = action.hasTimeout()
                ? Duration.ofSeconds(action.getTimeout().getSeconds(), action.getTimeout().getNanos())
                : SimulatorConfig.DEFAULT_ROUTE_TIMEOUT;
        long limit = route.hasPerRequestBufferLimitBytes() ? route.getPerRequestBufferLimitBytes().getValue()
                : vhost.hasPerRequestBufferLimitBytes() ? vhost.getPerRequestBufferLimitBytes().getValue()
                : listenerLimit;
        return new RouteRule(
                route.getMatch().getPrefix(),
                action.getCluster(),
                action.getPrefixRewrite().isEmpty() ? Optional.empty() : Optional.of(action.getPrefixRewrite()),
                action.getHostRewriteLiteral().isEmpty() ? Optional.empty() : Optional.of(action.getHostRewriteLiteral()),
                timeout,
                limit,
                SimulatorConfig.perRoute(route, vhost, extProcFilterName));
    }

    /** The path the router sends upstream: the matched prefix replaced by {@code prefix_rewrite}. */
    public String rewritePath(String path) {
        if (prefixRewrite.isEmpty() || !path.startsWith(prefix)) {
            return path;
        }
        return prefixRewrite.get() + path.substring(prefix.length());
    }

    /** A zero route timeout disables it, which streams need. */
    public boolean hasTimeout() {
        return !timeout.isZero();
    }
}
