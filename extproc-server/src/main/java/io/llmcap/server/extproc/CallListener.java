package io.llmcap.server.extproc;

import io.llmcap.server.cap.CallAttributes;
import io.llmcap.server.ledger.CapStatus;
import java.time.Instant;
import java.util.List;

/**
 * Hooks for what the decision path does: metrics, audit records and alerts listen here. Every
 * method has a no-op default; a listener that throws never changes a decision (see {@link
 * CallListeners}). Listeners are called on the gRPC thread of the call, so they must be quick and
 * must not block: hand slow work (files, webhooks, Redis) to a queue of their own.
 */
public interface CallListener {

  /** How a call's request was decided. */
  enum Outcome {
    /** Reserved on every matching cap and let through. */
    ALLOWED,
    /** Let through with a lower output limit (clamp). */
    CLAMPED,
    /** Let through because no cap applies, or the endpoint is free. */
    UNCAPPED,
    /** Let through while the store is down because {@code store.onFailure} is open. */
    ALLOWED_STORE_DOWN,
    /** 429: a cap is reached. */
    DENIED_CAP,
    /** 4xx: the call cannot be priced or is malformed. */
    DENIED_INVALID,
    /** 503: the store is down and {@code store.onFailure} is closed. */
    DENIED_STORE_DOWN,
    /** 500: an internal fault, failed closed. */
    FAILED
  }

  /**
   * A decision. Never carries a prompt or an API key: the caller is the service identity and the
   * key's fingerprint.
   *
   * @param model the model as the caller named it, or null when the call was decided before its
   *     body was read
   * @param reservedNanos what the call holds (0 when denied or uncapped)
   * @param caps the matched caps after the decision
   * @param shadowWouldDeny shadow caps that would have denied this call
   * @param blocking the cap that denied it, or null
   * @param reason a short human reason for denials and failures, else null
   * @param decisionNanos time spent deciding (the request-body phase, or the phase that denied)
   */
  record Decision(
      Instant at,
      String callId,
      String provider,
      String api,
      String model,
      String service,
      String apiKeyFingerprint,
      Outcome outcome,
      long reservedNanos,
      List<CapStatus> caps,
      List<CapStatus> shadowWouldDeny,
      CapStatus blocking,
      String reason,
      long decisionNanos) {

    static Decision of(Instant at, String callId, String api, CallAttributes caller, String model, Outcome outcome,
        long reservedNanos, List<CapStatus> caps, List<CapStatus> shadowWouldDeny, CapStatus blocking, String reason,
        long decisionNanos) {
      return new Decision(at, callId, caller == null ? null : caller.provider(), api, model,
          caller == null ? null : caller.service(), caller == null ? null : caller.apiKeyFingerprint(), outcome,
          reservedNanos, List.copyOf(caps), List.copyOf(shadowWouldDeny), blocking, reason, decisionNanos);
    }
  }

  /**
   * The end of a call that held a reservation.
   *
   * @param settledNanos what the call was charged
   * @param how why it ended: {@code end of response}, {@code stream cancelled by Envoy}, …
   * @param upstreamStatus the provider's HTTP status, 0 if none was seen
   * @param responseModel the model the provider reported, or null
   */
  record Settlement(
      Instant at, Decision decision, long settledNanos, String how, int upstreamStatus, String responseModel) {}

  default void decided(Decision decision) {}

  default void settled(Settlement settlement) {}

  /** Time spent in one ext_proc phase ({@code request_headers}, {@code request_body}, …). */
  default void phaseTimed(String phase, long nanos) {}

  CallListener NONE = new CallListener() {};
}
