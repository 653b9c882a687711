package io.llmcap.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.fabric8.istio.api.api.networking.v1alpha3.EnvoyFilterEnvoyConfigObjectPatch;
import io.fabric8.istio.api.networking.v1.DestinationRule;
import io.fabric8.istio.api.networking.v1.ServiceEntry;
import io.fabric8.istio.api.networking.v1alpha3.EnvoyFilter;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.llmcap.server.config.CapsConfig;
import io.llmcap.server.config.CapsFileParser;
import io.llmcap.server.config.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every shipped kustomization, rendered and parsed strictly, and the invariants that make it work. */
class ManifestsTest {
  private static final Path K8S = moduleDir();
  private static final Set<String> PROVIDERS =
      Set.of("openai", "anthropic", "gemini", "azure", "vertex", "bedrock", "mistral", "cohere");

  private static Path moduleDir() {
    Path dir = Path.of(System.getProperty("basedir", "."));
    return Files.isDirectory(dir.resolve("base")) ? dir : dir.resolve("k8s");
  }

  /** A rendered kustomization with every object parsed into its model. */
  private record Bundle(List<Object> objects) {
    <T> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T> T one(Class<T> type, String name) {
      return all(type).stream().filter(o -> name(o).equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    private static String name(Object o) {
      return ((io.fabric8.kubernetes.api.model.HasMetadata) o).getMetadata().getName();
    }
  }

  private static Bundle render(String overlay) throws Exception {
    List<Object> parsed = new ArrayList<>();
    for (Kustomization.Rendered r : Kustomization.render(K8S.resolve(overlay))) {
      parsed.add(StrictModels.parse(r));
    }
    return new Bundle(parsed);
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/redis", "overlays/istio", "overlays/istio-sidecar",
      "overlays/envoy-gateway"})
  void everyManifestParsesStrictlyAndTheServerFindsItsCapsFile(String overlay) throws Exception {
    Bundle bundle = render(overlay);
    Deployment deployment = bundle.one(Deployment.class, "llmcap");
    Container server = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    Path capsFile = Path.of(flag(server, "--config"));

    VolumeMount mount = server.getVolumeMounts().stream()
        .filter(m -> capsFile.getParent().equals(Path.of(m.getMountPath()))).findFirst()
        .orElseThrow(() -> new AssertionError("nothing is mounted at " + capsFile.getParent()));
    assertNull(mount.getSubPath(), "a subPath mount never receives ConfigMap updates");
    Volume volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
    assertEquals("llmcap-caps", volume.getConfigMap().getName());
    assertTrue(volume.getConfigMap().getItems().isEmpty(), "all keys: the mounted directory mirrors the ConfigMap");
    ConfigMap caps = bundle.one(ConfigMap.class, "llmcap-caps");
    String yaml = caps.getData().get(capsFile.getFileName().toString());
    assertNotNull(yaml, "the ConfigMap has no key " + capsFile.getFileName());
    CapsConfig config = CapsFileParser.parse(yaml, overlay + ":llmcap-caps/" + capsFile.getFileName());
    assertFalse(config.caps().isEmpty());
    assertEquals(StoreConfig.FailureMode.CLOSED, config.store().onFailure(), "a fuse fails closed");
    if (config.store().type() == StoreConfig.Type.MEMORY) {
      assertEquals(1, deployment.getSpec().getReplicas(), "a memory store is per pod: one replica per cap");
      assertTrue(server.getVolumeMounts().stream()
              .anyMatch(m -> config.store().path().equals(Path.of(m.getMountPath()))),
          "the memory store's journal directory is a writable volume (the root filesystem is read-only)");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/redis", "overlays/istio", "overlays/envoy-gateway"})
  void portsAgreeAcrossServerFlagsContainerServiceProbesAndNetworkPolicy(String overlay) throws Exception {
    Bundle bundle = render(overlay);
    PodSpec pod = bundle.one(Deployment.class, "llmcap").getSpec().getTemplate().getSpec();
    Container server = pod.getContainers().get(0);
    int grpc = Integer.parseInt(flag(server, "--grpc-port"));
    int admin = Integer.parseInt(flag(server, "--admin-port"));
    assertEquals(grpc, containerPort(server, "grpc").getContainerPort());
    assertEquals(admin, containerPort(server, "admin").getContainerPort());
    assertEquals("admin", server.getReadinessProbe().getHttpGet().getPort().getStrVal());
    assertEquals("/readyz", server.getReadinessProbe().getHttpGet().getPath());
    assertEquals("admin", server.getLivenessProbe().getHttpGet().getPort().getStrVal());
    assertEquals("/healthz", server.getLivenessProbe().getHttpGet().getPath());

    Service service = bundle.one(Service.class, "llmcap");
    ServicePort grpcPort = service.getSpec().getPorts().stream().filter(p -> p.getName().equals("grpc"))
        .findFirst().orElseThrow();
    assertEquals("grpc", grpcPort.getAppProtocol(), "Istio must see HTTP/2 on the ext_proc port");
    assertEquals("grpc", grpcPort.getTargetPort().getStrVal());
    assertEquals(pod.getContainers().get(0).getName(), "llmcap");
    assertEquals(service.getSpec().getSelector(),
        bundle.one(Deployment.class, "llmcap").getSpec().getTemplate().getMetadata().getLabels().entrySet().stream()
            .filter(e -> service.getSpec().getSelector().containsKey(e.getKey()))
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));

    NetworkPolicy policy = bundle.one(NetworkPolicy.class, "llmcap");
    assertTrue(policy.getSpec().getIngress().stream().flatMap(r -> r.getPorts().stream())
        .anyMatch(p -> p.getPort().getIntVal() == grpc), "the gRPC port is open to Envoy");

    PodDisruptionBudget pdb = bundle.one(PodDisruptionBudget.class, "llmcap");
    assertEquals(service.getSpec().getSelector(), pdb.getSpec().getSelector().getMatchLabels());
    long grace = Long.parseLong(flag(server, "--grace").replace("s", ""));
    assertTrue(pod.getTerminationGracePeriodSeconds() > grace,
        "Kubernetes must wait longer than the drain before it kills the pod");
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/redis"})
  void everyWorkloadRunsNonRootOnAReadOnlyRootWithoutCapabilities(String overlay) throws Exception {
    Bundle bundle = render(overlay);
    List<PodSpec> pods = new ArrayList<>();
    bundle.all(Deployment.class).forEach(d -> pods.add(d.getSpec().getTemplate().getSpec()));
    bundle.all(StatefulSet.class).forEach(s -> pods.add(s.getSpec().getTemplate().getSpec()));
    assertFalse(pods.isEmpty());
    for (PodSpec pod : pods) {
      assertTrue(pod.getSecurityContext().getRunAsNonRoot());
      assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
      assertFalse(pod.getAutomountServiceAccountToken());
      for (Container c : pod.getContainers()) {
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), c.getName());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), c.getName());
        assertNotNull(c.getResources().getRequests().get("memory"), c.getName());
        assertNotNull(c.getResources().getLimits().get("memory"), c.getName());
      }
    }
  }

  @Test
  void redisOverlaySharesOneStoreAcrossTwoReplicas() throws Exception {
    Bundle bundle = render("overlays/redis");
    Deployment deployment = bundle.one(Deployment.class, "llmcap");
    assertEquals(2, deployment.getSpec().getReplicas());
    assertEquals("RollingUpdate", deployment.getSpec().getStrategy().getType());
    CapsConfig config = CapsFileParser.parse(bundle.one(ConfigMap.class, "llmcap-caps").getData().get("caps.yaml"),
        "redis caps");
    assertEquals(StoreConfig.Type.REDIS, config.store().type());
    Service redis = bundle.one(Service.class, "llmcap-redis");
    int port = redis.getSpec().getPorts().get(0).getPort();
    assertEquals("redis://" + redis.getMetadata().getName() + ":" + port, config.store().uri());
    assertEquals("llmcap", redis.getMetadata().getNamespace(), "same namespace: the short host name resolves");
    NetworkPolicy llmcap = bundle.one(NetworkPolicy.class, "llmcap");
    assertTrue(llmcap.getSpec().getEgress().stream().flatMap(r -> r.getPorts().stream())
        .anyMatch(p -> p.getPort().getIntVal() == port), "LLMCap may reach Redis");
  }

  @ParameterizedTest
  @ValueSource(strings = {"overlays/istio", "overlays/istio-sidecar"})
  void envoyFiltersAttachFailClosedExtProcToTheServiceAndEnableItPerProviderHost(String overlay) throws Exception {
    Bundle bundle = render(overlay);
    Service service = bundle.one(Service.class, "llmcap");
    int grpc = service.getSpec().getPorts().stream().filter(p -> p.getName().equals("grpc")).findFirst()
        .orElseThrow().getPort();
    String cluster = "outbound|" + grpc + "||" + service.getMetadata().getName() + "."
        + service.getMetadata().getNamespace() + ".svc.cluster.local";

    List<EnvoyFilter> filters = bundle.all(EnvoyFilter.class);
    assertEquals(1, filters.size());
    EnvoyFilter filter = filters.get(0);
    String context = overlay.endsWith("sidecar") ? "SIDECAR_OUTBOUND" : "GATEWAY";
    Set<String> enabledHosts = new java.util.HashSet<>();
    Set<String> providerIds = new java.util.HashSet<>();
    int extProcFilters = 0;
    for (EnvoyFilterEnvoyConfigObjectPatch patch : filter.getSpec().getConfigPatches()) {
      assertEquals(context, patch.getMatch().getContext().name());
      String where = overlay + " " + filter.getMetadata().getName() + " " + patch.getApplyTo();
      var envoy = StrictModels.envoy(patch.getApplyTo().name(), patch.getPatch().getValue(), where);
      switch (patch.getApplyTo().name()) {
        case "HTTP_FILTER" -> {
          HttpFilter httpFilter = (HttpFilter) envoy;
          ExternalProcessor extProc = httpFilter.getTypedConfig().unpack(ExternalProcessor.class);
          assertEquals(cluster, extProc.getGrpcService().getEnvoyGrpc().getClusterName());
          assertFalse(extProc.getFailureModeAllow(), "fail closed");
          assertEquals(2, extProc.getMessageTimeout().getSeconds());
          assertEquals(BodySendMode.BUFFERED, extProc.getProcessingMode().getRequestBodyMode());
          assertEquals(BodySendMode.STREAMED, extProc.getProcessingMode().getResponseBodyMode());
          assertTrue(httpFilter.getDisabled(), "off unless a provider host enables it");
          assertEquals("INSERT_BEFORE", patch.getPatch().getOperation().name());
          assertEquals("envoy.filters.http.router",
              ((io.fabric8.istio.api.api.networking.v1alpha3.EnvoyFilterEnvoyConfigObjectMatchListener)
                  patch.getMatch().getObjectTypes()).getListener().getFilterChain().getFilter().getSubFilter()
                  .getName());
          extProcFilters++;
        }
        case "LISTENER" -> assertEquals(32 * 1024 * 1024,
            ((Listener) envoy).getPerConnectionBufferLimitBytes().getValue());
        case "VIRTUAL_HOST" -> {
          VirtualHost vhost = (VirtualHost) envoy;
          ExtProcPerRoute perRoute = vhost.getTypedPerFilterConfigOrThrow("envoy.filters.http.ext_proc")
              .unpack(ExtProcPerRoute.class);
          assertEquals("x-llmcap-provider", perRoute.getOverrides().getGrpcInitialMetadata(0).getKey());
          providerIds.add(perRoute.getOverrides().getGrpcInitialMetadata(0).getValue());
          String vhostName = ((io.fabric8.istio.api.api.networking.v1alpha3
              .EnvoyFilterEnvoyConfigObjectMatchRouteConfiguration) patch.getMatch().getObjectTypes())
              .getRouteConfiguration().getVhost().getName();
          assertTrue(vhostName.endsWith(":80"), vhostName);
          enabledHosts.add(vhostName.substring(0, vhostName.length() - 3));
          assertEquals(32 * 1024 * 1024, vhost.getPerRequestBufferLimitBytes().getValue());
        }
        default -> throw new AssertionError("unexpected patch " + where);
      }
    }
    assertEquals(1, extProcFilters);
    assertEquals(PROVIDERS, providerIds);

    Set<String> externalHosts = bundle.all(ServiceEntry.class).stream()
        .flatMap(se -> se.getSpec().getHosts().stream()).collect(Collectors.toSet());
    assertEquals(externalHosts, enabledHosts, "ext_proc is on for exactly the providers the mesh may reach");
    int tlsPort = overlay.endsWith("sidecar") ? 80 : 443;
    for (String host : externalHosts) {
      DestinationRule rule = bundle.all(DestinationRule.class).stream()
          .filter(d -> d.getSpec().getHost().equals(host)).findFirst()
          .orElseThrow(() -> new AssertionError("no TLS origination for " + host));
      var tls = rule.getSpec().getTrafficPolicy().getPortLevelSettings().get(0);
      assertEquals(tlsPort, tls.getPort().getNumber());
      assertEquals("SIMPLE", tls.getTls().getMode().name());
      assertEquals(host, tls.getTls().getSni());
    }
  }

  @Test
  void envoyGatewayPolicyFailsClosedOnEveryProviderRouteAndTargetsTheService() throws Exception {
    Bundle bundle = render("overlays/envoy-gateway");
    StrictModels.EgExtensionPolicy policy = bundle.all(StrictModels.EgExtensionPolicy.class).get(0);
    Set<String> routes = bundle.all(HTTPRoute.class).stream().map(r -> r.getMetadata().getName())
        .collect(Collectors.toSet());
    assertEquals(PROVIDERS, routes);
    assertEquals(routes, policy.spec().targetRefs().stream().map(StrictModels.TargetRef::name)
        .collect(Collectors.toSet()));
    Service service = bundle.one(Service.class, "llmcap");
    for (StrictModels.ExtProc extProc : policy.spec().extProc()) {
      assertEquals(Boolean.FALSE, extProc.failOpen(), "fail closed (explicitly, not by default)");
      assertEquals("2s", extProc.messageTimeout());
      assertEquals("Buffered", extProc.processingMode().request().body());
      assertEquals("Streamed", extProc.processingMode().response().body());
      assertEquals(service.getMetadata().getName(), extProc.backendRefs().get(0).name());
      assertEquals(50051, extProc.backendRefs().get(0).port());
    }
    assertEquals(service.getMetadata().getNamespace(), policy.metadata().getNamespace());
    Set<String> backends = bundle.all(StrictModels.EgBackend.class).stream()
        .map(b -> b.metadata().getName()).collect(Collectors.toSet());
    for (HTTPRoute route : bundle.all(HTTPRoute.class)) {
      var ref = route.getSpec().getRules().get(0).getBackendRefs().get(0);
      assertTrue(backends.contains(ref.getName()), "route " + route.getMetadata().getName() + " → Backend");
      assertEquals("Backend", ref.getKind());
    }
  }

  @Test
  void aMissingResourceFailsTheRender(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [gone.yaml]\n");
    var error = assertThrows(IllegalArgumentException.class, () -> Kustomization.render(dir));
    assertTrue(error.getMessage().contains("gone.yaml"), error.getMessage());
  }

  @Test
  void aMisspelledFieldFailsTheStrictParse(@TempDir Path dir) throws Exception {
    String deployment = Files.readString(K8S.resolve("base/deployment.yaml"))
        .replace("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true");
    Files.writeString(dir.resolve("deployment.yaml"), deployment);
    Files.writeString(dir.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml]\n");
    var error = assertThrows(IllegalArgumentException.class,
        () -> StrictModels.parse(Kustomization.render(dir).get(0)));
    assertTrue(error.getMessage().contains("readOnlyRootFileSystem"), error.getMessage());
  }

  @Test
  void aMisspelledEnvoyFieldInAnEnvoyFilterPatchFailsTheParse() {
    var error = assertThrows(IllegalArgumentException.class, () -> StrictModels.envoy("HTTP_FILTER",
        Map.of("name", "x", "typed_config", Map.of(
            "@type", "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
            "failure_mode_alow", false)), "test"));
    assertTrue(error.getMessage().contains("failure_mode_alow"), error.getMessage());
  }

  private static String flag(Container c, String name) {
    return c.getArgs().stream().filter(a -> a.startsWith(name + "=")).map(a -> a.substring(name.length() + 1))
        .findFirst().orElseThrow(() -> new AssertionError("the server has no " + name + "=... argument"));
  }

  private static ContainerPort containerPort(Container c, String name) {
    return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no container port " + name));
  }
}
