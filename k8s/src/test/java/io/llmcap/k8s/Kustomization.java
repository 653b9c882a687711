package io.llmcap.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization the way {@code kubectl apply -k} would, for the subset of kustomize the shipped
 * manifests use: {@code resources} (files or kustomization directories), {@code components}, {@code patches} by
 * path (strategic merge of maps, lists replaced: enough for the ConfigMap data and Deployment scalars patched here),
 * {@code namespace} and {@code labels.pairs}. Any other field fails the render, so a manifest never relies on a
 * feature this renderer would silently skip.
 */
final class Kustomization {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> KNOWN_FIELDS =
      Set.of("apiVersion", "kind", "namespace", "labels", "resources", "components", "patches");
  /** Kinds kustomize's namespace transformer leaves alone. */
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace");

  /** One rendered object and the file it came from. */
  record Rendered(Path file, ObjectNode object) {
    String kind() {
      return object.path("kind").asText();
    }

    String name() {
      return object.path("metadata").path("name").asText();
    }
  }

  private Kustomization() {}

  static List<Rendered> render(Path dir) throws IOException {
    return render(dir, "Kustomization");
  }

  private static List<Rendered> render(Path dir, String expectedKind) throws IOException {
    Path file = dir.resolve("kustomization.yaml");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(dir + " has no kustomization.yaml");
    }
    JsonNode k = YAML.readTree(file.toFile());
    for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!KNOWN_FIELDS.contains(field)) {
        throw new IllegalArgumentException(file + ": kustomize field '" + field + "' is not rendered by this test");
      }
    }
    if (!expectedKind.equals(k.path("kind").asText())) {
      throw new IllegalArgumentException(file + ": kind must be " + expectedKind + ", is " + k.path("kind"));
    }
    List<Rendered> out = new ArrayList<>();
    for (JsonNode entry : k.path("resources")) {
      Path target = dir.resolve(entry.asText()).normalize();
      if (Files.isDirectory(target)) {
        out.addAll(render(target, "Kustomization"));
      } else if (Files.isRegularFile(target)) {
        for (ObjectNode doc : documents(target)) {
          out.add(new Rendered(target, doc));
        }
      } else {
        throw new IllegalArgumentException(file + " lists resource " + entry.asText() + ", which does not exist");
      }
    }
    for (JsonNode entry : k.path("components")) {
      Path component = dir.resolve(entry.asText()).normalize();
      JsonNode ck = YAML.readTree(component.resolve("kustomization.yaml").toFile());
      out.addAll(render(component, "Component"));
      applyPatches(component, ck, out);
    }
    if (expectedKind.equals("Kustomization")) {
      // A component's patches apply to what its including kustomization has accumulated (done by the caller).
      applyPatches(dir, k, out);
    }
    String namespace = k.path("namespace").asText(null);
    JsonNode labels = k.path("labels");
    for (Rendered r : out) {
      ObjectNode metadata = (ObjectNode) r.object().with("metadata");
      if (namespace != null && !CLUSTER_SCOPED.contains(r.kind())) {
        metadata.put("namespace", namespace);
      }
      for (JsonNode label : labels) {
        label.path("pairs").fields().forEachRemaining(e -> metadata.with("labels").set(e.getKey(), e.getValue()));
      }
    }
    return out;
  }

  private static void applyPatches(Path dir, JsonNode kustomization, List<Rendered> resources) throws IOException {
    for (JsonNode entry : kustomization.path("patches")) {
      Path patchFile = dir.resolve(entry.path("path").asText()).normalize();
      if (!Files.isRegularFile(patchFile)) {
        throw new IllegalArgumentException(dir + " patches with " + patchFile + ", which does not exist");
      }
      for (ObjectNode patch : documents(patchFile)) {
        Rendered target = resources.stream()
            .filter(r -> r.kind().equals(patch.path("kind").asText())
                && r.name().equals(patch.path("metadata").path("name").asText()))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException(patchFile + " patches " + patch.path("kind").asText()
                + "/" + patch.path("metadata").path("name").asText() + ", which no resource defines"));
        merge(target.object(), patch);
      }
    }
  }

  private static void merge(ObjectNode into, JsonNode patch) {
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) patch::fields) {
      JsonNode existing = into.get(e.getKey());
      if (existing instanceof ObjectNode obj && e.getValue().isObject()) {
        merge(obj, e.getValue());
      } else {
        into.set(e.getKey(), e.getValue().deepCopy());
      }
    }
  }

  static List<ObjectNode> documents(Path file) throws IOException {
    List<ObjectNode> docs = new ArrayList<>();
    try (YAMLParser parser = ((YAMLFactory) YAML.getFactory()).createParser(file.toFile())) {
      for (Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc == null || doc.isNull() || doc.isMissingNode()) {
          continue;
        }
        if (!(doc instanceof ObjectNode obj)) {
          throw new IllegalArgumentException(file + " holds a document that is not a mapping");
        }
        docs.add(obj);
      }
    }
    return docs;
  }
}
