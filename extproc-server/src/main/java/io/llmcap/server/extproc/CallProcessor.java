package io.llmcap.server.extproc;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.NanoUsd;
import io.llmcap.pricing.UnknownModelException;
import io.llmcap.pricing.UnpriceableUsageException;
import io.llmcap.server.Engine;
import io.llmcap.server.cap.CallAttributes;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.config.EnforcementConfig;
import io.llmcap.server.config.StoreConfig;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.ledger.ReserveOutcome;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.ErrorKind;
import io.llmcap.server.provider.InvalidRequestException;
import io.llmcap.server.provider.ModelResolution;
import io.llmcap.server.provider.ParsedRequest;
import io.llmcap.server.provider.Provider;
import io.llmcap.server.provider.UsageParser;
import io.llmcap.server.provider.UsageSnapshot;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ext_proc stream, that is one HTTP call through Envoy: one method per phase, and a reservation
 * that is settled exactly once whichever way the stream ends (end of body, upstream error, Envoy
 * cancelling the stream, message timeout).
 *
 * <p>Phases arrive in order on one gRPC stream; the gRPC runtime never calls one stream's observer
 * concurrently, but cancellation arrives from another thread, so the terminal path is guarded by
 * {@link #settled} and the state it reads is published through {@code volatile} fields.
 */
final class CallProcessor {
  private static final Logger log = LoggerFactory.getLogger(CallProcessor.class);

  /** Result of handling a message: the reply, and whether LLMCap is done with this call. */
  record Reply(ProcessingResponse response, boolean finished) {}

  private final String callId;
  private final Engine engine;
  private final String providerHint;
  private final CallListener listener;
  private final AtomicBoolean settled = new AtomicBoolean();
  private long phaseStart;
  private String model;
  private volatile CallListener.Decision decision;

  private ApiRoute route;
  private CallAttributes attributes;
  private boolean bodySeen;

  // Written before the reservation is visible to the terminal path.
  private volatile boolean reserved;
  /** Caps to charge at the end when the store was down at reserve time (onFailure: open), else null. */
  private volatile List<CapInstance> chargeWithoutHold;
  private volatile long reservedNanos;
  /**
   * A quick-bound hold's request and plan, kept so that a call charged its whole reservation (a
   * cut stream, usage that cannot be read) is charged its exact bound instead; null otherwise.
   */
  private volatile ParsedRequest refinableRequest;
  private volatile CostPlan heldPlan;
  private volatile ModelPrice price;
  private volatile UsageParser usage;
  private volatile int upstreamStatus;
  private volatile boolean unmeterable;
  private volatile boolean forwarded;
  private volatile boolean fromUpstream;
  private long remainingAfterReserve = -1;
  private ResponseBodyDecoder decoder;

  CallProcessor(String callId, Engine engine, String providerHint, CallListener listener) {
    this.callId = callId;
    this.engine = engine;
    this.providerHint = providerHint;
    this.listener = listener;
  }

  String callId() {
    return callId;
  }

  Reply handle(ProcessingRequest request) {
    phaseStart = System.nanoTime();
    try {
      return dispatch(request);
    } finally {
      listener.phaseTimed(phaseName(request), System.nanoTime() - phaseStart);
    }
  }

  private static String phaseName(ProcessingRequest request) {
    return request.getRequestCase().name().toLowerCase(java.util.Locale.ROOT);
  }

  private Reply dispatch(ProcessingRequest request) {
    try {
      return switch (request.getRequestCase()) {
        case REQUEST_HEADERS -> onRequestHeaders(request);
        case REQUEST_BODY -> onRequestBody(request.getRequestBody());
        case RESPONSE_HEADERS -> onResponseHeaders(request);
        case RESPONSE_BODY -> onResponseBody(request.getResponseBody());
        case REQUEST_TRAILERS -> new Reply(ProcessingResponse.newBuilder()
            .setRequestTrailers(io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse.getDefaultInstance()).build(), false);
        case RESPONSE_TRAILERS -> {
          settle("response trailers");
          yield new Reply(ProcessingResponse.newBuilder()
              .setResponseTrailers(io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse.getDefaultInstance()).build(), false);
        }
        case REQUEST_NOT_SET -> throw new IllegalArgumentException("ProcessingRequest without a message");
      };
    } catch (RuntimeException e) {
      // A fault of ours must not let an unpriced call through: fail this call closed with a 500.
      log.error("[{}] internal error in {}; failing the call closed", callId, request.getRequestCase(), e);
      settle("internal error");
      return deny(Denials.refusedGeneric(ErrorKind.INTERNAL, "internal error while deciding this call (see LLMCap logs, call "
          + callId + ")"), CallListener.Outcome.FAILED, null, "internal error: " + e.getClass().getSimpleName());
    }
  }

  // ---- request headers: identify the API and the caller; deny at once on an exhausted cap ----

  private Reply onRequestHeaders(ProcessingRequest request) {
    HttpHeaders http = request.getRequestHeaders();
    Map<String, String> headers = Headers.values(http.getHeaders());
    String method = headers.getOrDefault(":method", "").toUpperCase(java.util.Locale.ROOT);
    String path = headers.getOrDefault(":path", "");
    String authority = headers.get(":authority");
    // Reading and deleting never generate tokens; anything else on a provider route may.
    boolean mayGenerate = !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")
        || method.equals("DELETE"));
    boolean providerRoute = providerHint != null || engine.providers().providerOf(authority, null).isPresent();
    if (mayGenerate && providerRoute && ambiguous(pathWithoutQuery(path))) {
      String why = "the path " + pathWithoutQuery(path) + " is ambiguous (';', '#', '//', '.' or '..' segments): "
          + "LLMCap and the provider could read different APIs from it";
      return deny(Denials.refusedGeneric(ErrorKind.INVALID_REQUEST, why), CallListener.Outcome.DENIED_INVALID, null, why);
    }
    Optional<ApiRoute> identified = engine.providers().identify(authority, path, providerHint);
    if (identified.isEmpty()) {
      if (!mayGenerate || !providerRoute) {
        // Not an LLM call we meter (listing models, a host we do not front): let it pass untouched.
        return passThrough(headersContinue(HeaderMutation.getDefaultInstance()), false);
      }
      String provider = providerHint != null ? providerHint
          : engine.providers().providerOf(authority, null).map(p -> p.id()).orElse("?");
      String why = "cannot price " + method + " " + pathWithoutQuery(path) + " for provider '" + provider
          + "': this API is not supported, so the call is refused rather than let through uncapped";
      return deny(Denials.refusedGeneric(ErrorKind.INVALID_REQUEST, why), CallListener.Outcome.DENIED_INVALID, null, why);
    }
    route = identified.get();
    if (route.free() || !mayGenerate) {
      return passThrough(headersContinue(HeaderMutation.getDefaultInstance()), false);
    }
    if (request.hasProtocolConfig()
        && request.getProtocolConfig().getRequestBodyMode() != BodySendMode.BUFFERED) {
      String why = "the Envoy ext_proc filter must send the request body BUFFERED (it sends "
          + request.getProtocolConfig().getRequestBodyMode() + "); fix processing_mode.request_body_mode";
      return deny(Denials.refused(route.api(), ErrorKind.INTERNAL, why), CallListener.Outcome.FAILED, null, why);
    }
    if (http.getEndOfStream()) {
      String why = "the request has no body, so its cost cannot be read";
      return deny(Denials.refused(route.api(), ErrorKind.INVALID_REQUEST, why), CallListener.Outcome.DENIED_INVALID, null,
          why);
    }
    attributes = new CallAttributes(route.provider().id(), route.pathModel(),
        CallerIdentity.service(request.getAttributesMap(), headers),
        CallerIdentity.apiKeyFingerprint(headers), headers);
    try {
      Instant now = engine.clock().instant();
      Optional<CapStatus> exhausted = CapGate.knownExhaustedCap(engine, attributes, now);
      if (exhausted.isPresent()) {
        return deny(Denials.capReached(route.api(), exhausted.get(), 0, -1, now), CallListener.Outcome.DENIED_CAP,
            exhausted.get(), "cap '" + exhausted.get().cap().capName() + "' is spent");
      }
    } catch (LedgerException e) {
      Optional<Reply> failed = onStoreFailure(e, "checking caps at request headers");
      if (failed.isPresent()) {
        return failed.get();
      }
    }
    // Providers answer uncompressed when not offered compression, so responses can be metered.
    return new Reply(headersContinue(HeaderMutation.newBuilder().addRemoveHeaders("accept-encoding").build()), false);
  }

  // ---- request body: price, bound, reserve or deny ----

  /**
   * The whole body, in one message (BUFFERED). {@code end_of_stream} is false when HTTP/2 trailers
   * follow it; it is still the whole body, and the call is decided on it. A second body message
   * means Envoy streams the body, which LLMCap cannot price before it leaves: fail closed.
   */
  private Reply onRequestBody(HttpBody body) {
    if (bodySeen) {
      String why = "the request body arrived in several messages: the Envoy ext_proc filter must send it "
          + "BUFFERED (processing_mode.request_body_mode)";
      return deny(Denials.refused(route.api(), ErrorKind.INTERNAL, why), CallListener.Outcome.FAILED, null, why);
    }
    bodySeen = true;
    return decide(body.getBody().toByteArray());
  }

  private Reply decide(byte[] body) {
    var api = route.api();
    ParsedRequest request;
    try {
      request = api.parseRequest(route, body, attributes.headers());
    } catch (InvalidRequestException e) {
      return refuse(e.getMessage());
    }
    model = ModelResolution.modelToPrice(route, request, engine.config().pricing().deployments());
    EnforcementConfig enforcement = engine.config().enforcement();
    ModelPrice modelPrice;
    try {
      modelPrice = engine.catalog().resolve(route.priceRoute(), model);
    } catch (UnknownModelException e) {
      if (engine.unknownModelPrice() == null) {
        return refuse(e.getMessage());
      }
      modelPrice = engine.unknownModelPrice();
    }
    CostPlan plan;
    try {
      // The quick byte bound first; the exact count only for a call that bound would deny.
      plan = CostPlan.of(route.priceRoute(), request, modelPrice, enforcement.mode(), CostPlan.Counting.QUICK);
    } catch (InvalidRequestException e) {
      return refuse(e.getMessage());
    } catch (UnpriceableUsageException e) {
      return refuse(e.getMessage());
    }

    Instant now = engine.clock().instant();
    List<CapInstance> caps = engine.policy().matching(attributes.withModel(model), now);
    byte[] mutated = null;
    if (!caps.isEmpty()) {
      try {
        ReserveOutcome outcome = engine.ledger().reserve(callId, caps, plan.amountNanos(), now);
        if (outcome instanceof ReserveOutcome.Denied denied && plan.refinable()) {
          CostPlan exact = exactPlan(request, modelPrice, plan);
          if (exact != plan) {
            plan = exact;
            // A second round trip only when the exact bound may fit the cap that refused.
            if (exact.amountNanos() <= denied.blocking().remainingNanos()) {
              outcome = engine.ledger().reserve(callId, caps, exact.amountNanos(), now);
            }
          }
        }
        boolean clamped = false;
        if (outcome instanceof ReserveOutcome.Denied denied) {
          ClampResult clamp = tryClamp(denied, plan, modelPrice, now);
          if (clamp.response != null) {
            return deny(clamp.response, CallListener.Outcome.DENIED_CAP, clamp.blocking,
                "cap '" + clamp.blocking.cap().capName() + "' lacks room for this call");
          }
          plan = clamp.plan;
          outcome = clamp.outcome;
          clamped = true;
        }
        // Held from here on: whatever fails next, the terminal path settles this hold.
        price = modelPrice;
        reservedNanos = plan.amountNanos();
        keepForFullCharge(request, plan);
        reserved = true;
        ReserveOutcome.Granted granted = (ReserveOutcome.Granted) outcome;
        if (clamped) {
          mutated = api.withMaxOutputTokens(body, plan.outputTokens());
        }
        List<CapStatus> shadowWouldDeny = granted.shadowWouldDeny();
        long needs = plan.amountNanos();
        if (!shadowWouldDeny.isEmpty() && plan.refinable()) {
          CostPlan exact = exactPlan(request, modelPrice, plan);
          shadowWouldDeny = wouldDenyExactly(shadowWouldDeny, plan, exact);
          needs = exact.amountNanos();
        }
        for (CapStatus wouldDeny : shadowWouldDeny) {
          log.info("[{}] shadow cap '{}' would deny this call (needs {}, had {})", callId, wouldDeny.cap().capName(),
              NanoUsd.format(needs), NanoUsd.format(roomBefore(wouldDeny, plan)));
        }
        remainingAfterReserve = tightestRemaining(granted.caps());
        report(clamped ? CallListener.Outcome.CLAMPED : CallListener.Outcome.ALLOWED, plan.amountNanos(),
            granted.caps(), shadowWouldDeny, null, null);
      } catch (LedgerException e) {
        Optional<Reply> failed = onStoreFailure(e, "reserving");
        if (failed.isPresent()) {
          return failed.get();
        }
        // store.onFailure: open. The call runs unreserved but is still metered, and its cost is
        // charged to its caps when it ends (replayed by the store once it answers again).
        price = modelPrice;
        reservedNanos = plan.amountNanos();
        keepForFullCharge(request, plan);
        chargeWithoutHold = caps;
        report(CallListener.Outcome.ALLOWED_STORE_DOWN, 0, List.of(), List.of(), null, null);
      }
    }
    if (!metering()) {
      // No cap applies: nothing to settle.
      report(CallListener.Outcome.UNCAPPED, 0, List.of(), List.of(), null, null);
      return passThrough(bodyResponse(mutated, body), false);
    }
    if (request.stream()) {
      byte[] base = mutated != null ? mutated : body;
      Optional<byte[]> withUsage = api.withStreamUsage(base, request);
      if (withUsage.isPresent()) {
        mutated = withUsage.get();
      }
    }
    usage = api.newUsageParser(route, request);
    return new Reply(bodyResponse(mutated, body), false);
  }

  /**
   * The plan counted with the model's tokenizer, for a call whose quick bound did not fit. It is
   * never above the quick plan; should it fail to price (it cannot where the quick plan priced),
   * the quick plan stands, which only holds more.
   */
  private CostPlan exactPlan(ParsedRequest request, ModelPrice modelPrice, CostPlan quick) {
    try {
      CostPlan exact = CostPlan.of(route.priceRoute(), request, modelPrice, engine.config().enforcement().mode(),
          CostPlan.Counting.EXACT);
      return exact.amountNanos() <= quick.amountNanos() ? exact : quick;
    } catch (InvalidRequestException | UnpriceableUsageException e) {
      return quick;
    }
  }

  /**
   * The shadow caps that would deny the call at its exact bound: shadow caps never deny, so they
   * are reported as an enforcing cap would decide, which counts exactly before it denies. The
   * room a cap had is what the quick hold found: limit minus spent minus the other holds.
   */
  private static List<CapStatus> wouldDenyExactly(List<CapStatus> wouldDeny, CostPlan quick, CostPlan exact) {
    List<CapStatus> still = new java.util.ArrayList<>(wouldDeny.size());
    for (CapStatus s : wouldDeny) {
      if (exact.amountNanos() > roomBefore(s, quick)) {
        still.add(s);
      }
    }
    return still;
  }

  /** The room a cap had before this call's hold ({@code s} is its status after the hold). */
  private static long roomBefore(CapStatus s, CostPlan held) {
    return Math.max(0, s.cap().limitNanos() - s.spentNanos() - (s.reservedNanos() - held.amountNanos()));
  }

  /** Texts kept past the decision for an exact full charge; longer prompts are charged their quick hold. */
  static final int KEEP_FOR_FULL_CHARGE_CHARS = 64 * 1024;

  private void keepForFullCharge(ParsedRequest request, CostPlan plan) {
    if (!plan.refinable()) {
      return;
    }
    long chars = 0;
    for (String text : request.promptTexts()) {
      chars += text.length();
    }
    if (chars <= KEEP_FOR_FULL_CHARGE_CHARS) {
      refinableRequest = request;
      heldPlan = plan;
    }
  }

  /**
   * What a call is charged when it is charged its whole reservation: the hold, or its exact bound
   * when the hold was a quick one (never more than the hold; the exact bound still never
   * under-counts). Counted only here, in that rare case.
   */
  private long fullCharge() {
    ParsedRequest request = refinableRequest;
    CostPlan held = heldPlan;
    if (request == null || held == null) {
      return reservedNanos;
    }
    CostPlan exact = exactPlan(request, price, held);
    if (exact != held && exact.outputTokens() != held.outputTokens()) {
      try {
        exact = exact.withOutputTokens(price, held.outputTokens()); // the clamped limit that was sent
      } catch (UnpriceableUsageException e) {
        return reservedNanos;
      }
    }
    return Math.min(reservedNanos, exact.amountNanos());
  }

  private record ClampResult(ImmediateResponse response, CapStatus blocking, CostPlan plan, ReserveOutcome outcome) {}

  /**
   * {@code overBudget: clamp}: lower the output limit to what the tightest cap still affords, when
   * that is at least {@code minOutputTokens}, and reserve again. Otherwise (or with {@code deny})
   * the 429 names the largest output limit that would have fit.
   */
  private ClampResult tryClamp(ReserveOutcome.Denied denied, CostPlan plan, ModelPrice modelPrice, Instant now)
      throws LedgerException {
    EnforcementConfig enforcement = engine.config().enforcement();
    long affordable;
    try {
      affordable = plan.maxAffordableOutputTokens(modelPrice, denied.blocking().remainingNanos());
    } catch (UnpriceableUsageException e) {
      affordable = -1;
    }
    affordable = Math.min(affordable, plan.outputTokens() - 1);
    if (enforcement.overBudget() == EnforcementConfig.OverBudget.CLAMP
        && affordable >= enforcement.minOutputTokens()) {
      try {
        CostPlan clamped = plan.withOutputTokens(modelPrice, affordable);
        ReserveOutcome again = engine.ledger().reserve(callId, engine.policy().matching(attributes.withModel(model), now),
            clamped.amountNanos(), now);
        if (again instanceof ReserveOutcome.Granted) {
          log.debug("[{}] clamped output limit to {} tokens to fit cap '{}'", callId, affordable,
              denied.blocking().cap().capName());
          return new ClampResult(null, null, clamped, again);
        }
        denied = (ReserveOutcome.Denied) again;
      } catch (UnpriceableUsageException e) {
        // fall through to the denial
      }
    }
    return new ClampResult(Denials.capReached(route.api(), denied.blocking(), plan.amountNanos(),
        affordable > 0 ? affordable : -1, now), denied.blocking(), null, null);
  }

  // ---- response: note the status, meter the body, settle at its end ----

  private Reply onResponseHeaders(ProcessingRequest request) {
    if (!metering()) {
      return new Reply(headersContinueResponse(HeaderMutation.getDefaultInstance()), false);
    }
    HttpHeaders http = request.getResponseHeaders();
    Map<String, String> headers = Headers.values(http.getHeaders());
    upstreamStatus = parseStatus(headers.get(":status"));
    fromUpstream = cameFromUpstream(headers, request);
    decoder = new ResponseBodyDecoder(headers.get("content-encoding"));
    if (decoder.encoding() == ResponseBodyDecoder.Encoding.UNSUPPORTED) {
      log.warn("[{}] response encoding '{}' cannot be decoded; the call will be charged its full reservation",
          callId, headers.get("content-encoding"));
      unmeterable = true;
    }
    usage.onResponseHeaders(upstreamStatus, headers.get("content-type"));
    HeaderMutation.Builder mutation = HeaderMutation.newBuilder();
    if (reserved) {
      mutation.addSetHeaders(Headers.set("x-llmcap-reserved-usd", NanoUsd.format(reservedNanos)));
    }
    if (remainingAfterReserve >= 0) {
      mutation.addSetHeaders(Headers.set("x-llmcap-remaining-usd", NanoUsd.format(remainingAfterReserve)));
    }
    if (http.getEndOfStream()) {
      usage.onEnd();
      settle("response without body");
      return new Reply(headersContinueResponse(mutation.build()), true);
    }
    return new Reply(headersContinueResponse(mutation.build()), false);
  }

  private Reply onResponseBody(HttpBody body) {
    if (!metering()) {
      return new Reply(bodyContinue(false, null, null), false);
    }
    byte[] chunk = body.getBody().toByteArray();
    if (decoder == null || decoder.passThrough()) {
      usage.onBody(chunk);
    } else if (!decoder.collect(chunk)) {
      unmeterable = true;
    }
    if (body.getEndOfStream()) {
      if (decoder != null && !decoder.passThrough() && !unmeterable) {
        byte[] decoded = decoder.decodeAll();
        if (decoded == null) {
          unmeterable = true;
        } else {
          usage.onBody(decoded);
        }
      }
      usage.onEnd();
      // Settle before replying: Envoy cancels the stream right after the last reply.
      settle("end of response");
      return new Reply(bodyContinue(false, null, null), true);
    }
    return new Reply(bodyContinue(false, null, null), false);
  }

  // ---- terminal paths ----

  /**
   * The reply that lets the request go to the provider is about to be sent. A stream that ends
   * before this (Envoy's message timeout fired while LLMCap was still deciding, or the client
   * left) never reached the provider, so its hold is released rather than charged.
   */
  void requestForwarded() {
    forwarded = true;
  }

  /** The stream ended without a complete response (Envoy cancelled it, timed out, or the client left). */
  void onStreamClosed(String why) {
    settle(why);
  }

  /**
   * A call let through while the store was down (store.onFailure: open): any message may end it
   * (an internal error settles at once), and ending it charges the store synchronously.
   */
  boolean metersWithoutHold() {
    return chargeWithoutHold != null;
  }

  /**
   * Whether ending this call may wait on the store: settling a hold may not (a store that settles
   * in the background), charging a call metered while the store was down may.
   */
  boolean endMayBlock() {
    return chargeWithoutHold != null ? engine.ledger().mayBlock() : engine.ledger().settleSoonMayBlock();
  }

  /** True when the call's end must be settled: it holds a reservation, or it is metered without one. */
  private boolean metering() {
    return reserved || chargeWithoutHold != null;
  }

  private void settle(String why) {
    if (!metering() || !settled.compareAndSet(false, true)) {
      return;
    }
    UsageSnapshot observed = usage == null ? UsageSnapshot.NONE : usage.snapshot();
    long amount = forwarded
        ? Settlement.amount(callId, upstreamStatus, fromUpstream, unmeterable, observed, settlementPrice(observed),
            this::fullCharge)
        : 0;
    refinableRequest = null;
    if (chargeWithoutHold != null) {
      chargeUnreserved(amount, why);
      return;
    }
    try {
      Instant now = engine.clock().instant();
      engine.ledger().settleSoon(callId, amount, now);
      if (decision != null) {
        listener.settled(new CallListener.Settlement(now, decision, amount, why, upstreamStatus, observed.responseModel()));
      }
      log.debug("[{}] settled {} (reserved {}) at {}", callId, NanoUsd.format(amount), NanoUsd.format(reservedNanos), why);
    } catch (LedgerException e) {
      // The store keeps what it could not apply (Redis replays it; else the hold's TTL charges it in
      // full): nothing is lost, at worst over-counted.
      log.error("[{}] could not settle {} at {}: {}", callId, NanoUsd.format(amount), why, e.getMessage());
    }
  }

  private void chargeUnreserved(long amount, String why) {
    Instant now = engine.clock().instant();
    try {
      engine.ledger().charge(callId, chargeWithoutHold, amount, now);
      log.debug("[{}] charged {} metered while the store was down, at {}", callId, NanoUsd.format(amount), why);
    } catch (LedgerException e) {
      log.warn("[{}] could not charge {} metered while the store was down: {}", callId, NanoUsd.format(amount),
          e.getMessage());
    }
    if (decision != null) {
      listener.settled(new CallListener.Settlement(now, decision, amount, why, upstreamStatus,
          usage == null ? null : usage.snapshot().responseModel()));
    }
  }

  /**
   * The price the call is billed at. An Azure deployment that neither the deployments map nor the
   * catalog knew was reserved at {@code enforcement.unknownModel}'s price; the response names the
   * real model, and when the catalog knows it, that is the bill.
   */
  private ModelPrice settlementPrice(UsageSnapshot observed) {
    if (price == engine.unknownModelPrice() && route.provider() == Provider.AZURE && observed.responseModel() != null
        && !observed.responseModel().isEmpty()) {
      try {
        return engine.catalog().resolve(route.priceRoute(), observed.responseModel());
      } catch (UnknownModelException e) {
        return price;
      }
    }
    return price;
  }

  private Optional<Reply> onStoreFailure(LedgerException e, String what) {
    if (engine.config().store().onFailure() == StoreConfig.FailureMode.OPEN) {
      log.warn("[{}] spend store failed while {}: {}; store.onFailure is open, letting the call through", callId,
          what, e.getMessage());
      return Optional.empty();
    }
    log.warn("[{}] spend store failed while {}: {}; store.onFailure is closed, refusing the call", callId, what,
        e.getMessage());
    return Optional.of(deny(Denials.refused(route.api(), ErrorKind.UNAVAILABLE,
        "the spend store is unavailable, so no budget can be checked; try again shortly"),
        CallListener.Outcome.DENIED_STORE_DOWN, null, "spend store unavailable: " + e.getMessage()));
  }

  // ---- reply builders ----

  private Reply refuse(String why) {
    return deny(Denials.refused(route.api(), ErrorKind.INVALID_REQUEST, why), CallListener.Outcome.DENIED_INVALID, null,
        why);
  }

  private Reply deny(ImmediateResponse response, CallListener.Outcome outcome, CapStatus blocking, String reason) {
    settle("denied");
    report(outcome, 0, blocking == null ? List.of() : List.of(blocking), List.of(), blocking, reason);
    return new Reply(ProcessingResponse.newBuilder().setImmediateResponse(response).build(), true);
  }

  private void report(CallListener.Outcome outcome, long reservedAmount, List<CapStatus> caps,
      List<CapStatus> shadowWouldDeny, CapStatus blocking, String reason) {
    CallListener.Decision d = CallListener.Decision.of(engine.clock().instant(), callId,
        route == null ? null : route.api().name(), attributes, model, outcome, reservedAmount, caps, shadowWouldDeny,
        blocking, reason, System.nanoTime() - phaseStart);
    decision = d;
    listener.decided(d);
  }

  private static Reply passThrough(ProcessingResponse response, boolean ignored) {
    return new Reply(response, true);
  }

  private static ProcessingResponse headersContinue(HeaderMutation mutation) {
    return ProcessingResponse.newBuilder()
        .setRequestHeaders(HeadersResponse.newBuilder().setResponse(common(mutation, null)))
        .build();
  }

  private static ProcessingResponse headersContinueResponse(HeaderMutation mutation) {
    return ProcessingResponse.newBuilder()
        .setResponseHeaders(HeadersResponse.newBuilder().setResponse(common(mutation, null)))
        .build();
  }

  private static ProcessingResponse bodyContinue(boolean requestDirection, HeaderMutation mutation, BodyMutation body) {
    BodyResponse reply = BodyResponse.newBuilder().setResponse(common(mutation, body)).build();
    return requestDirection
        ? ProcessingResponse.newBuilder().setRequestBody(reply).build()
        : ProcessingResponse.newBuilder().setResponseBody(reply).build();
  }

  /**
   * The reply to the buffered request body, replacing it when LLMCap changed it. Envoy keeps
   * {@code content-length} in BUFFERED mode and fails the call when a replaced body's length
   * disagrees, unless the same reply sets it: so the new length goes with the new body.
   */
  private static ProcessingResponse bodyResponse(byte[] mutated, byte[] original) {
    if (mutated == null) {
      return bodyContinue(true, null, null);
    }
    HeaderMutation lengthFix = HeaderMutation.newBuilder()
        .addSetHeaders(Headers.set("content-length", Integer.toString(mutated.length)))
        .build();
    return bodyContinue(true, lengthFix, BodyMutation.newBuilder().setBody(ByteString.copyFrom(mutated)).build());
  }

  private static CommonResponse common(HeaderMutation mutation, BodyMutation body) {
    CommonResponse.Builder b = CommonResponse.newBuilder();
    if (mutation != null && !mutation.equals(HeaderMutation.getDefaultInstance())) {
      b.setHeaderMutation(mutation);
    }
    if (body != null) {
      b.setBodyMutation(body);
    }
    return b.build();
  }

  private static long tightestRemaining(List<CapStatus> caps) {
    long min = Long.MAX_VALUE;
    for (CapStatus s : caps) {
      if (s.cap().action() == io.llmcap.server.cap.CapAction.ENFORCE) {
        min = Math.min(min, s.remainingNanos());
      }
    }
    return min == Long.MAX_VALUE ? -1 : min;
  }

  /**
   * Whether the response is the provider's or Envoy's own (a route or idle timeout, an upstream
   * reset after the request went out). Envoy's router stamps {@code x-envoy-upstream-service-time}
   * on upstream responses, and {@code response.code_details} says {@code via_upstream} when the
   * filter asks for that attribute.
   */
  private static boolean cameFromUpstream(Map<String, String> headers, ProcessingRequest request) {
    if (headers.containsKey("x-envoy-upstream-service-time")) {
      return true;
    }
    var attrs = request.getAttributesMap().get(CallerIdentity.ATTRIBUTES_KEY);
    if (attrs != null) {
      var details = attrs.getFieldsMap().get("response.code_details");
      return details != null && "via_upstream".equals(details.getStringValue());
    }
    return false;
  }

  private static int parseStatus(String status) {
    try {
      return status == null ? 0 : Integer.parseInt(status.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Path forms that servers normalise differently; a fuse must not guess which API they name. */
  static boolean ambiguous(String path) {
    return path.indexOf(';') >= 0 || path.indexOf('#') >= 0 || path.contains("//") || path.contains("/./")
        || path.contains("/../") || path.endsWith("/.") || path.endsWith("/..");
  }

  private static String pathWithoutQuery(String path) {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }
}
