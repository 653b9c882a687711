package io.llmcap.envoy.sim;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutationRules;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.HeaderSendMode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The ext_proc filter's configuration as the simulator applies it. */
public record ExtProcSettings(
        String filterName,
        String clusterName,
        String authority,
        Optional<Duration> grpcTimeout,
        List<HeaderValue> initialMetadata,
        boolean failureModeAllow,
        ProcessingMode processingMode,
        Duration messageTimeout,
        Duration maxMessageTimeout,
        boolean disableImmediateResponse,
        MutationRules mutationRules) {

    /** Envoy's {@code message_timeout} default. */
    public static final Duration DEFAULT_MESSAGE_TIMEOUT = Duration.ofMillis(200);

    /** The subset of {@code HeaderMutationRules} the simulator enforces. */
    public record MutationRules(boolean allowAllRouting, boolean allowEnvoy, boolean disallowIsError) {
        static MutationRules from(HeaderMutationRules rules) {
            if (rules.hasDisallowSystem() || rules.hasDisallowAll() || rules.hasAllowExpression()
                    || rules.hasDisallowExpression()) {
                throw SimulatorConfig.unsupported("mutation_rules disallow_system/disallow_all/expressions");
            }
            return new MutationRules(rules.getAllowAllRouting().getValue(), rules.getAllowEnvoy().getValue(),
                    rules.getDisallowIsError().getValue());
        }
    }

    static ExtProcSettings from(String filterName, ExternalProcessor config) {
        refuseUnsimulated(filterName, config);
        GrpcService grpc = config.getGrpcService();
        ProcessingMode mode = config.hasProcessingMode() ? config.getProcessingMode() : ProcessingMode.getDefaultInstance();
        validateMode(mode, "ext_proc filter " + filterName);
        return new ExtProcSettings(
                filterName,
                grpc.getEnvoyGrpc().getClusterName(),
                grpc.getEnvoyGrpc().getAuthority().isEmpty() ? grpc.getEnvoyGrpc().getClusterName()
                        : grpc.getEnvoyGrpc().getAuthority(),
                grpc.hasTimeout() ? Optional.of(toDuration(grpc.getTimeout())) : Optional.empty(),
                List.copyOf(grpc.getInitialMetadataList()),
                config.getFailureModeAllow(),
                mode,
                config.hasMessageTimeout() ? toDuration(config.getMessageTimeout()) : DEFAULT_MESSAGE_TIMEOUT,
                config.hasMaxMessageTimeout() ? toDuration(config.getMaxMessageTimeout()) : Duration.ZERO,
                config.getDisableImmediateResponse(),
                MutationRules.from(config.getMutationRules()));
    }

    /** DEFAULT means SEND for the header phases, SKIP for trailers. */
    public static boolean sends(HeaderSendMode mode, boolean headersPhase) {
        return mode == HeaderSendMode.SEND || (headersPhase && mode == HeaderSendMode.DEFAULT);
    }

    static void validateMode(ProcessingMode mode, String where) {
        if (sends(mode.getRequestTrailerMode(), false) || sends(mode.getResponseTrailerMode(), false)) {
            throw SimulatorConfig.unsupported(where + ": trailer mode SEND (HTTP/1.1 simulation carries no trailers)");
        }
        if (mode.getRequestBodyMode() != BodySendMode.NONE && mode.getRequestBodyMode() != BodySendMode.BUFFERED) {
            throw SimulatorConfig.unsupported(where + ": request_body_mode " + mode.getRequestBodyMode()
                    + " (NONE and BUFFERED are simulated)");
        }
        if (mode.getResponseBodyMode() != BodySendMode.NONE && mode.getResponseBodyMode() != BodySendMode.STREAMED) {
            throw SimulatorConfig.unsupported(where + ": response_body_mode " + mode.getResponseBodyMode()
                    + " (NONE and STREAMED are simulated)");
        }
    }

    private static void refuseUnsimulated(String filterName, ExternalProcessor config) {
        String where = "ext_proc filter " + filterName + ": ";
        if (!config.getGrpcService().hasEnvoyGrpc()) {
            throw SimulatorConfig.unsupported(where + "grpc_service must be envoy_grpc (google_grpc/http_service are not simulated)");
        }
        if (config.getObservabilityMode()) {
            throw SimulatorConfig.unsupported(where + "observability_mode");
        }
        if (config.getAllowModeOverride() || config.getAllowedOverrideModesCount() > 0) {
            throw SimulatorConfig.unsupported(where + "allow_mode_override / allowed_override_modes");
        }
        if (config.getRequestAttributesCount() > 0 || config.getResponseAttributesCount() > 0) {
            throw SimulatorConfig.unsupported(where + "request_attributes / response_attributes");
        }
        if (config.hasForwardRules() || config.hasMetadataOptions()) {
            throw SimulatorConfig.unsupported(where + "forward_rules / metadata_options");
        }
        if (config.getSendBodyWithoutWaitingForHeaderResponse()) {
            throw SimulatorConfig.unsupported(where + "send_body_without_waiting_for_header_response");
        }
    }

    static Duration toDuration(com.google.protobuf.Duration d) {
        return Duration.ofMillis(Durations.toMillis(d));
    }
}
