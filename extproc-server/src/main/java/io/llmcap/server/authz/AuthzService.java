package io.llmcap.server.authz;

import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.stub.StreamObserver;
import io.llmcap.server.Engine;
import io.llmcap.server.cap.CallAttributes;
import io.llmcap.server.extproc.CallerIdentity;
import io.llmcap.server.extproc.CapGate;
import io.llmcap.server.extproc.Denials;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.ledger.LedgerException;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.ErrorKind;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.llmcap.server.config.StoreConfig;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's ext_authz v3 {@code Check} as a headers-only gate: it denies a call whose cap is already
 * spent, before Envoy buffers its body. It shares the ledger with ext_proc but never reserves:
 * pricing and reservation need the body, which only the ext_proc filter sees.
 */
public final class AuthzService extends AuthorizationGrpc.AuthorizationImplBase {
  private static final Logger log = LoggerFactory.getLogger(AuthzService.class);

  private final Supplier<Engine> engine;
  private final Executor blockingWork;

  /** A gate that answers on the calling thread whatever the store. */
  public AuthzService(Supplier<Engine> engine) {
    this(engine, Runnable::run);
  }

  /**
   * @param blockingWork where checks run when the store may block (the server calls this service
   *     on gRPC's transport threads, which must not wait on a store round trip)
   */
  public AuthzService(Supplier<Engine> engine, Executor blockingWork) {
    this.engine = engine;
    this.blockingWork = blockingWork;
  }

  @Override
  public void check(CheckRequest request, StreamObserver<CheckResponse> responses) {
    Runnable answer = () -> {
      CheckResponse response;
      try {
        response = decide(request);
      } catch (RuntimeException e) {
        // The same answer gRPC gives when a handler throws on its own thread; Envoy fails closed on it.
        log.error("ext_authz check failed", e);
        responses.onError(io.grpc.Status.INTERNAL.withDescription("LLMCap could not check this call")
            .asRuntimeException());
        return;
      }
      responses.onNext(response);
      responses.onCompleted();
    };
    if (engine.get().ledger().mayBlock()) {
      blockingWork.execute(answer);
    } else {
      answer.run();
    }
  }

  CheckResponse decide(CheckRequest request) {
    Engine current = engine.get();
    AttributeContext.HttpRequest http = request.getAttributes().getRequest().getHttp();
    Map<String, String> headers = new HashMap<>();
    http.getHeadersMap().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
    for (HeaderValue h : http.getHeaderMap().getHeadersList()) {
      String value = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.UTF_8);
      headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), value);
    }
    String hint = request.getAttributes().getContextExtensionsMap().get("provider");
    Optional<ApiRoute> route = current.providers().identify(http.getHost(), http.getPath(), hint);
    if (route.isEmpty() || route.get().free()) {
      return allow();
    }
    String principal = request.getAttributes().getSource().getPrincipal();
    String service = !principal.isEmpty() ? principal : CallerIdentity.service(Map.of(), headers);
    CallAttributes call = new CallAttributes(route.get().provider().id(), route.get().pathModel(), service,
        CallerIdentity.apiKeyFingerprint(headers), headers);
    Instant now = current.clock().instant();
    try {
      Optional<CapStatus> exhausted = CapGate.exhaustedCap(current, call, now);
      if (exhausted.isEmpty()) {
        return allow();
      }
      return deny(Denials.capReached(route.get().api(), exhausted.get(), 0, -1, now), Code.RESOURCE_EXHAUSTED);
    } catch (LedgerException e) {
      if (current.config().store().onFailure() == StoreConfig.FailureMode.OPEN) {
        log.warn("ext_authz: spend store failed ({}); store.onFailure is open, allowing", e.getMessage());
        return allow();
      }
      log.warn("ext_authz: spend store failed ({}); store.onFailure is closed, denying", e.getMessage());
      return deny(Denials.refused(route.get().api(), ErrorKind.UNAVAILABLE,
          "the spend store is unavailable, so no budget can be checked; try again shortly"), Code.UNAVAILABLE);
    }
  }

  private static CheckResponse allow() {
    return CheckResponse.newBuilder()
        .setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
        .setOkResponse(OkHttpResponse.getDefaultInstance())
        .build();
  }

  /** The same answer as ext_proc's local reply, translated to ext_authz's denied response. */
  private static CheckResponse deny(ImmediateResponse reply, Code code) {
    DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
        .setStatus(HttpStatus.newBuilder().setCode(StatusCode.forNumber(reply.getStatus().getCodeValue())))
        .setBody(reply.getBody().toString(StandardCharsets.UTF_8));
    for (HeaderValueOption h : reply.getHeaders().getSetHeadersList()) {
      denied.addHeaders(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder()
          .setKey(h.getHeader().getKey())
          .setValue(h.getHeader().getRawValue().toString(StandardCharsets.UTF_8))));
    }
    return CheckResponse.newBuilder()
        .setStatus(Status.newBuilder().setCode(code.getNumber()))
        .setDeniedResponse(denied)
        .build();
  }
}
