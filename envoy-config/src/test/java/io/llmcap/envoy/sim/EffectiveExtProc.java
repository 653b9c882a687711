package io.llmcap.envoy.sim;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcOverrides;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The ext_proc settings for one request: the filter's, with the matched route's ExtProcPerRoute applied. */
public record EffectiveExtProc(ExtProcSettings filter, String clusterName, String authority,
                               List<HeaderValue> initialMetadata, ProcessingMode processingMode) {

    /** Empty when the route disables the filter. */
    public static Optional<EffectiveExtProc> resolve(ExtProcSettings filter, Optional<RouteRule> route) {
        Optional<ExtProcPerRoute> perRoute = route.flatMap(RouteRule::extProcPerRoute);
        if (perRoute.isPresent() && perRoute.get().getDisabled()) {
            return Optional.empty();
        }
        String cluster = filter.clusterName();
        String authority = filter.authority();
        List<HeaderValue> metadata = filter.initialMetadata();
        ProcessingMode mode = filter.processingMode();
        if (perRoute.isPresent() && perRoute.get().hasOverrides()) {
            ExtProcOverrides overrides = perRoute.get().getOverrides();
            if (overrides.getAsyncMode() || overrides.getRequestAttributesCount() > 0
                    || overrides.getResponseAttributesCount() > 0 || overrides.hasMetadataOptions()) {
                throw SimulatorConfig.unsupported("ExtProcPerRoute overrides other than processing_mode, grpc_service "
                        + "and grpc_initial_metadata");
            }
            if (overrides.hasProcessingMode()) {
                // Per-route processing_mode replaces the filter's whole mode.
                ExtProcSettings.validateMode(overrides.getProcessingMode(), "route " + route.get().prefix());
                mode = overrides.getProcessingMode();
            }
            if (overrides.hasGrpcService()) {
                if (!overrides.getGrpcService().hasEnvoyGrpc()) {
                    throw SimulatorConfig.unsupported("per-route grpc_service must be envoy_grpc");
                }
                cluster = overrides.getGrpcService().getEnvoyGrpc().getClusterName();
                authority = overrides.getGrpcService().getEnvoyGrpc().getAuthority().isEmpty()
                        ? cluster : overrides.getGrpcService().getEnvoyGrpc().getAuthority();
                metadata = overrides.getGrpcService().getInitialMetadataList();
            }
            metadata = mergeByKey(metadata, overrides.getGrpcInitialMetadataList());
        }
        return Optional.of(new EffectiveExtProc(filter, cluster, authority, List.copyOf(metadata), mode));
    }

    private static List<HeaderValue> mergeByKey(List<HeaderValue> base, List<HeaderValue> overrides) {
        Map<String, HeaderValue> merged = new LinkedHashMap<>();
        for (HeaderValue h : base) {
            merged.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h);
        }
        for (HeaderValue h : overrides) {
            merged.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h);
        }
        return new ArrayList<>(merged.values());
    }

    public boolean sendsRequestHeaders() {
        return ExtProcSettings.sends(processingMode.getRequestHeaderMode(), true);
    }

    public boolean sendsResponseHeaders() {
        return ExtProcSettings.sends(processingMode.getResponseHeaderMode(), true);
    }

    public boolean buffersRequestBody() {
        return processingMode.getRequestBodyMode() == ProcessingMode.BodySendMode.BUFFERED;
    }

    public boolean streamsResponseBody() {
        return processingMode.getResponseBodyMode() == ProcessingMode.BodySendMode.STREAMED;
    }

    public boolean processesResponse() {
        return sendsResponseHeaders() || streamsResponseBody();
    }
}
