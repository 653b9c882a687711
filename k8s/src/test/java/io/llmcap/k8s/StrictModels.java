package io.llmcap.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses rendered manifests into typed models, strictly: Kubernetes and Gateway API kinds into fabric8's models,
 * Istio kinds into fabric8's istio-model, Envoy Gateway's CRDs (no Java model library resolves for them) into the
 * schema records below, and the Envoy configuration inside EnvoyFilter patches into Envoy's own protos. An unknown
 * field anywhere fails: fabric8 models would swallow it into {@code additionalProperties}, so those are walked and
 * must be empty; the records fail on unknown properties.
 */
final class StrictModels {
  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  static final Map<String, Class<?>> MODELS = Map.ofEntries(
      Map.entry("v1/Namespace", io.fabric8.kubernetes.api.model.Namespace.class),
      Map.entry("v1/ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class),
      Map.entry("v1/ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
      Map.entry("v1/Service", io.fabric8.kubernetes.api.model.Service.class),
      Map.entry("apps/v1/Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
      Map.entry("apps/v1/StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
      Map.entry("policy/v1/PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class),
      Map.entry("networking.k8s.io/v1/NetworkPolicy", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class),
      Map.entry("networking.istio.io/v1alpha3/EnvoyFilter", io.fabric8.istio.api.networking.v1alpha3.EnvoyFilter.class),
      Map.entry("networking.istio.io/v1/ServiceEntry", io.fabric8.istio.api.networking.v1.ServiceEntry.class),
      Map.entry("networking.istio.io/v1/DestinationRule", io.fabric8.istio.api.networking.v1.DestinationRule.class),
      Map.entry("networking.istio.io/v1/VirtualService", io.fabric8.istio.api.networking.v1.VirtualService.class),
      Map.entry("networking.istio.io/v1/Gateway", io.fabric8.istio.api.networking.v1.Gateway.class),
      Map.entry("gateway.networking.k8s.io/v1/Gateway", io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway.class),
      Map.entry("gateway.networking.k8s.io/v1/HTTPRoute", io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class),
      Map.entry("gateway.networking.k8s.io/v1alpha3/BackendTLSPolicy",
          io.fabric8.kubernetes.api.model.gatewayapi.v1alpha3.BackendTLSPolicy.class),
      Map.entry("gateway.envoyproxy.io/v1alpha1/Backend", EgBackend.class),
      Map.entry("gateway.envoyproxy.io/v1alpha1/EnvoyExtensionPolicy", EgExtensionPolicy.class));

  private StrictModels() {}

  static Object parse(Kustomization.Rendered r) {
    String key = r.object().path("apiVersion").asText() + "/" + r.kind();
    Class<?> model = MODELS.get(key);
    if (model == null) {
      throw new IllegalArgumentException(r.file() + ": no model for " + key + "; add one to StrictModels.MODELS");
    }
    Object parsed;
    try {
      parsed = STRICT.treeToValue(r.object(), model);
    } catch (Exception e) {
      throw new IllegalArgumentException(r.file() + ": " + key + " " + r.name() + " does not match its model: "
          + e.getMessage(), e);
    }
    requireNoUnknownFields(parsed, r.file() + ": " + key + " " + r.name());
    return parsed;
  }

  /** Fails on any non-empty {@code additionalProperties} in a fabric8 model graph. */
  static void requireNoUnknownFields(Object node, String where) {
    if (node == null) {
      return;
    }
    if (node instanceof Collection<?> c) {
      int i = 0;
      for (Object item : c) {
        requireNoUnknownFields(item, where + "[" + i++ + "]");
      }
      return;
    }
    if (node instanceof Map<?, ?> m) {
      m.forEach((k, v) -> requireNoUnknownFields(v, where + "." + k));
      return;
    }
    if (node instanceof Record record) {
      for (var component : record.getClass().getRecordComponents()) {
        try {
          requireNoUnknownFields(component.getAccessor().invoke(record), where + "." + component.getName());
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (ReflectiveOperationException e) {
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          throw new IllegalArgumentException(where + ": unknown field(s) " + extra.keySet() + " in "
              + node.getClass().getSimpleName());
        }
        continue;
      }
      // The free-form EnvoyFilter patch value is Envoy configuration: envoy() checks it against Envoy's protos.
      if (!(node.getClass().getSimpleName().equals("EnvoyFilterPatch") && getter.getName().equals("getValue"))) {
        requireNoUnknownFields(value, where + "." + getter.getName().substring(3));
      }
    }
  }

  private static final TypeRegistry ENVOY_TYPES = TypeRegistry.newBuilder()
      .add(io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          .getDescriptor())
      .build();

  /** An EnvoyFilter patch value, parsed strictly into the Envoy proto its {@code applyTo} names. */
  static Message envoy(String applyTo, Object value, String where) {
    Message.Builder builder = switch (applyTo) {
      case "HTTP_FILTER" -> io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter
          .newBuilder();
      case "LISTENER" -> io.envoyproxy.envoy.config.listener.v3.Listener.newBuilder();
      case "VIRTUAL_HOST" -> io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder();
      default -> throw new IllegalArgumentException(where + ": applyTo " + applyTo + " has no Envoy proto here");
    };
    try {
      JsonFormat.parser().usingTypeRegistry(ENVOY_TYPES).merge(STRICT.writeValueAsString(value), builder);
    } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(where + ": patch value is not a valid Envoy " + applyTo + ": "
          + e.getMessage(), e);
    }
    return builder.build();
  }

  // ---- Envoy Gateway CRD schema (gateway.envoyproxy.io/v1alpha1), the fields these manifests may use ----

  private static final Pattern GO_DURATION = Pattern.compile("(\\d+(ms|s|m|h))+");

  record EgBackend(String apiVersion, String kind, ObjectMeta metadata, BackendSpec spec) {}

  record BackendSpec(java.util.List<BackendEndpoint> endpoints) {
    BackendSpec {
      require(endpoints != null && !endpoints.isEmpty(), "Backend.spec.endpoints must not be empty");
    }
  }

  record BackendEndpoint(Fqdn fqdn) {
    BackendEndpoint {
      require(fqdn != null, "Backend endpoint needs fqdn (the only kind used here)");
    }
  }

  record Fqdn(String hostname, int port) {
    Fqdn {
      require(hostname != null && !hostname.isBlank(), "fqdn.hostname is required");
      require(port > 0 && port < 65536, "fqdn.port out of range: " + port);
    }
  }

  record EgExtensionPolicy(String apiVersion, String kind, ObjectMeta metadata, PolicySpec spec) {}

  record PolicySpec(java.util.List<TargetRef> targetRefs, java.util.List<ExtProc> extProc) {
    PolicySpec {
      require(targetRefs != null && !targetRefs.isEmpty(), "targetRefs must not be empty");
      require(extProc != null && !extProc.isEmpty(), "extProc must not be empty");
    }
  }

  record TargetRef(String group, String kind, String name) {
    TargetRef {
      require(group != null && kind != null && name != null, "targetRef needs group, kind and name");
    }
  }

  record ExtProc(java.util.List<BackendRef> backendRefs, Boolean failOpen, String messageTimeout,
      ProcessingMode processingMode) {
    ExtProc {
      require(backendRefs != null && !backendRefs.isEmpty(), "extProc.backendRefs must not be empty");
      require(messageTimeout == null || GO_DURATION.matcher(messageTimeout).matches(),
          "extProc.messageTimeout is not a duration: " + messageTimeout);
    }
  }

  record BackendRef(String group, String kind, String name, String namespace, Integer port) {}

  record ProcessingMode(Phase request, Phase response) {}

  record Phase(String body) {
    Phase {
      require(body == null || java.util.Set.of("Streamed", "Buffered", "BufferedPartial", "FullDuplexStreamed")
          .contains(body), "processingMode body must be Streamed|Buffered|BufferedPartial|FullDuplexStreamed, is "
          + body);
    }
  }

  private static void require(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(problem);
    }
  }

  static JsonNode tree(Object model) {
    return STRICT.valueToTree(model);
  }
}
