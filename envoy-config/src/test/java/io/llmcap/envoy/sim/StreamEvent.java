package io.llmcap.envoy.sim;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;

/** Everything that can happen to one HTTP stream while the simulator processes it, in arrival order. */
sealed interface StreamEvent {

    record Reply(ProcessingResponse response) implements StreamEvent {
    }

    /** The ext_proc server ended the call; OK means "stop consulting me, pass through". */
    record CallClosed(Status status) implements StreamEvent {
    }

    /** One upstream read's worth of decoded body; {@code endOfStream} on the last. */
    record UpstreamData(byte[] data, boolean endOfStream) implements StreamEvent {
    }

    record UpstreamFailed(String reason) implements StreamEvent {
    }
}
