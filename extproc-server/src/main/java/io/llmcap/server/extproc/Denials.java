package io.llmcap.server.extproc;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.llmcap.pricing.NanoUsd;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.provider.ErrorKind;
import io.llmcap.server.provider.ProviderApi;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place where LLMCap's own answers to callers are built: the 429 of a reached cap and the
 * errors of calls it cannot price or decide. Each answer is in the provider's native error shape,
 * labelled {@code application/json} (Envoy would call it {@code text/plain} otherwise), so the
 * caller's own SDK raises its usual exception with our message.
 */
public final class Denials {
  /** Envoy's response-code details for our local replies (visible in access logs). */
  static final String DETAILS_CAP = "llmcap_cap_reached";

  private Denials() {}

  /**
   * The 429 for a call that does not fit a cap.
   *
   * @param neededNanos the amount the call would have reserved, or 0 when not known yet (headers phase)
   * @param maxAffordableOutputTokens the largest output limit that would fit, or -1 when none
   */
  public static ImmediateResponse capReached(
      ProviderApi api, CapStatus blocking, long neededNanos, long maxAffordableOutputTokens, Instant now) {
    var cap = blocking.cap();
    String reset = cap.windowEnd().equals(Instant.MAX) ? "never (total cap)" : cap.windowEnd().toString();
    StringBuilder message = new StringBuilder()
        .append("LLMCap: budget cap '").append(cap.capName()).append("'")
        .append(cap.subject().isEmpty() ? "" : " for " + cap.subject())
        .append(" reached: spent ").append(NanoUsd.formatCents(blocking.spentNanos()))
        .append(" of ").append(NanoUsd.formatCents(cap.limitNanos()))
        .append(" this ").append(cap.window())
        .append(blocking.reservedNanos() > 0
            ? " (" + NanoUsd.formatCents(blocking.reservedNanos()) + " held by calls in flight)" : "")
        .append(neededNanos > 0 ? "; this call needs up to " + NanoUsd.formatCents(neededNanos) : "")
        .append("; resets ").append(reset).append('.');
    if (maxAffordableOutputTokens > 0) {
      message.append(" It would fit with an output limit of ").append(maxAffordableOutputTokens).append(" tokens.");
    }

    Map<String, Object> details = new LinkedHashMap<>();
    details.put("cap", cap.capName());
    if (!cap.subject().isEmpty()) {
      details.put("subject", cap.subject());
    }
    details.put("window", cap.window());
    details.put("limit_usd", NanoUsd.format(cap.limitNanos()));
    details.put("spent_usd", NanoUsd.format(blocking.spentNanos()));
    details.put("reserved_usd", NanoUsd.format(blocking.reservedNanos()));
    if (neededNanos > 0) {
      details.put("needed_usd", NanoUsd.format(neededNanos));
    }
    if (!cap.windowEnd().equals(Instant.MAX)) {
      details.put("resets_at", cap.windowEnd().toString());
    }
    if (maxAffordableOutputTokens > 0) {
      details.put("max_affordable_output_tokens", maxAffordableOutputTokens);
    }
    byte[] body = api.errorBody(ErrorKind.RATE_LIMITED, message.toString(), Map.of("llmcap", details));

    HeaderMutation.Builder headers = jsonHeaders()
        .addSetHeaders(Headers.set("x-should-retry", "false"))
        .addSetHeaders(Headers.set("x-llmcap-cap", cap.capName()))
        .addSetHeaders(Headers.set("x-llmcap-limit-usd", NanoUsd.format(cap.limitNanos())))
        .addSetHeaders(Headers.set("x-llmcap-spent-usd", NanoUsd.format(blocking.spentNanos())));
    if (!cap.windowEnd().equals(Instant.MAX)) {
      // Truthful: the time until the window resets. SDKs that ignore x-should-retry then wait the
      // real time instead of hammering a cap that cannot open sooner.
      long seconds = Math.max(1, Duration.between(now, cap.windowEnd()).toSeconds());
      headers.addSetHeaders(Headers.set("retry-after", Long.toString(seconds)))
          .addSetHeaders(Headers.set("x-llmcap-reset", cap.windowEnd().toString()));
    }
    if (maxAffordableOutputTokens > 0) {
      headers.addSetHeaders(Headers.set("x-llmcap-max-affordable-output-tokens", Long.toString(maxAffordableOutputTokens)));
    }
    return response(StatusCode.TooManyRequests, body, headers, DETAILS_CAP);
  }

  /** A call LLMCap refuses to let through because it cannot price it (400 unless the kind says otherwise). */
  public static ImmediateResponse refused(ProviderApi api, ErrorKind kind, String message) {
    byte[] body = api.errorBody(kind, "LLMCap: " + message, Map.of());
    HeaderMutation.Builder headers = jsonHeaders();
    if (kind != ErrorKind.UNAVAILABLE && kind != ErrorKind.INTERNAL) {
      // Sending the same request again cannot succeed; keep SDKs from retrying it.
      headers.addSetHeaders(Headers.set("x-should-retry", "false"));
    }
    return response(statusCode(kind), body, headers, "llmcap_" + kind.name().toLowerCase(java.util.Locale.ROOT));
  }

  /** A refusal for a call whose provider API is not known at all (no native shape to speak). */
  public static ImmediateResponse refusedGeneric(ErrorKind kind, String message) {
    String json = "{\"error\":{\"message\":" + jsonString("LLMCap: " + message) + ",\"type\":\"llmcap_"
        + kind.name().toLowerCase(java.util.Locale.ROOT) + "\"}}";
    return response(statusCode(kind), json.getBytes(StandardCharsets.UTF_8), jsonHeaders(),
        "llmcap_" + kind.name().toLowerCase(java.util.Locale.ROOT));
  }

  private static HeaderMutation.Builder jsonHeaders() {
    return HeaderMutation.newBuilder().addSetHeaders(Headers.set("content-type", "application/json"));
  }

  private static ImmediateResponse response(StatusCode code, byte[] body, HeaderMutation.Builder headers, String details) {
    return ImmediateResponse.newBuilder()
        .setStatus(HttpStatus.newBuilder().setCode(code))
        .setHeaders(headers)
        .setBody(ByteString.copyFrom(body))
        .setDetails(details)
        .build();
  }

  private static StatusCode statusCode(ErrorKind kind) {
    return switch (kind) {
      case RATE_LIMITED -> StatusCode.TooManyRequests;
      case INVALID_REQUEST -> StatusCode.BadRequest;
      case PAYLOAD_TOO_LARGE -> StatusCode.PayloadTooLarge;
      case UNAVAILABLE -> StatusCode.ServiceUnavailable;
      case INTERNAL -> StatusCode.InternalServerError;
    };
  }

  private static String jsonString(String s) {
    return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
  }
}
