package io.llmcap.server.provider;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JsonDocumentScannerTest {

  private final List<Map<String, JsonNode>> documents = new ArrayList<>();
  private final JsonDocumentScanner scanner =
      new JsonDocumentScanner(Set.of("usage", "model"), documents::add);

  @Test
  void objectBodyYieldsItsWantedTopLevelFieldsOnly() {
    feedAll("{\"model\":\"m\",\"choices\":[{\"usage\":1}],\"usage\":{\"a\":[1,{\"b\":2}]}}");

    assertEquals(1, documents.size());
    assertEquals("m", documents.get(0).get("model").textValue());
    assertEquals(2, documents.get(0).get("usage").at("/a/1/b").intValue());
    assertEquals(2, documents.get(0).size());
    assertNull(scanner.failure());
  }

  @Test
  void arrayBodyYieldsEachElementAtEveryCut() {
    String body = "[{\"model\":\"a\",\"x\":{\"usage\":0}},\n{\"usage\":{\"n\":1}} , {}]";
    byte[] bytes = body.getBytes(UTF_8);
    for (int cut = 0; cut <= bytes.length; cut++) {
      List<Map<String, JsonNode>> docs = new ArrayList<>();
      JsonDocumentScanner s = new JsonDocumentScanner(Set.of("usage", "model"), docs::add);
      s.feed(Arrays.copyOfRange(bytes, 0, cut));
      s.feed(Arrays.copyOfRange(bytes, cut, bytes.length));
      s.end();

      assertNull(s.failure(), "cut at " + cut);
      assertEquals(3, docs.size(), "cut at " + cut);
      assertEquals("a", docs.get(0).get("model").textValue());
      assertFalse(docs.get(0).containsKey("usage"));
      assertEquals(1, docs.get(1).get("usage").get("n").intValue());
      assertTrue(docs.get(2).isEmpty());
    }
  }

  @Test
  void bodyCutShortIsAFailure() {
    feedAll("{\"usage\":{\"n\":1}");

    assertNotNull(scanner.failure());
    assertFalse(scanner.finished());
  }

  @Test
  void dataAfterTheValueIsAFailure() {
    feedAll("{\"usage\":{}} {\"usage\":{}}");

    assertNotNull(scanner.failure());
  }

  @Test
  void nonJsonBodyIsAFailure() {
    feedAll("<html>502 Bad Gateway</html>");

    assertNotNull(scanner.failure());
    assertTrue(documents.isEmpty());
  }

  @Test
  void scalarTopLevelIsAFailure() {
    feedAll("42");

    assertNotNull(scanner.failure());
  }

  private void feedAll(String body) {
    scanner.feed(body.getBytes(UTF_8));
    scanner.end();
  }
}
