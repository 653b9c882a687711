package io.llmcap.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.pricing.PriceOverride;
import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapDefinition;
import io.llmcap.server.cap.Per;
import io.llmcap.server.cap.WindowUnit;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CapsFileParserTest {

  private static CapsConfig parse(String yaml) throws ConfigException {
    return CapsFileParser.parse(yaml, "caps.yaml");
  }

  private static ConfigException refused(String yaml) {
    return assertThrows(ConfigException.class, () -> parse(yaml));
  }

  @Test
  void designExampleParsesFieldByField() throws Exception {
    Path file = Path.of(getClass().getResource("design-example-caps.yaml").toURI());
    CapsConfig c = CapsFileParser.parse(file);

    assertEquals(StoreConfig.Type.MEMORY, c.store().type());
    assertEquals(Path.of("./llmcap-data"), c.store().path());
    assertEquals(StoreConfig.FailureMode.CLOSED, c.store().onFailure());
    assertEquals(Duration.ofMinutes(10), c.store().holdTtl());
    assertEquals(EnforcementConfig.Mode.STRICT, c.enforcement().mode());
    assertEquals(EnforcementConfig.OverBudget.DENY, c.enforcement().overBudget());
    assertEquals(256, c.enforcement().minOutputTokens());
    assertEquals(UnknownModelPolicy.DENY, c.enforcement().unknownModel());
    assertEquals("bundled", c.pricing().catalog());
    assertEquals(List.of(PriceOverride.of("ft:gpt-4o-mini:acme", new BigDecimal("0.30"),
        new BigDecimal("1.20"))), c.pricing().overrides());
    assertEquals("gpt-4o", c.pricing().deployments().get("my-gpt4o-prod"));
    assertEquals("anthropic.claude-3-5-sonnet-20240620-v1:0", c.pricing().deployments().get(
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"));

    assertEquals(4, c.caps().size());
    CapDefinition org = c.caps().get(0);
    assertEquals("org-daily", org.name());
    assertEquals(500_000_000_000L, org.limitNanos());
    assertEquals(WindowUnit.DAY, org.window());
    assertEquals(ZoneOffset.UTC, org.zone());
    assertEquals(Per.NONE, org.per());
    assertEquals(CapAction.ENFORCE, org.action());
    assertEquals(Per.SERVICE, c.caps().get(1).per());
    CapDefinition gpt4 = c.caps().get(2);
    assertEquals(WindowUnit.MONTH, gpt4.window());
    assertEquals("openai", gpt4.match().provider());
    assertEquals("gpt-4*", gpt4.match().model());
    assertEquals(Map.of("x-team", "research"), gpt4.match().headers());
    CapDefinition trial = c.caps().get(3);
    assertEquals(Per.API_KEY, trial.per());
    assertEquals(CapAction.SHADOW, trial.action());
    assertEquals(5_000_000_000L, trial.limitNanos());

    assertEquals(List.of(new BigDecimal("0.5"), new BigDecimal("0.8"), new BigDecimal("1.0")),
        c.alerts().thresholds());
    assertEquals(URI.create("https://hooks.example.com/llmcap"), c.alerts().webhook());
  }

  @Test
  void moneyIsParsedExactlyFromTheYamlText() throws Exception {
    CapsConfig c = parse("""
        caps:
          - {name: a, limitUsd: 0.1, window: day}
          - {name: b, limitUsd: 0.000000001, window: day}
          - {name: c, limitUsd: 12345678.123456789, window: day}
          - {name: d, limitUsd: "2.5", window: day}
        """);
    assertEquals(100_000_000L, c.caps().get(0).limitNanos());
    assertEquals(1L, c.caps().get(1).limitNanos());
    assertEquals(12_345_678_123_456_789L, c.caps().get(2).limitNanos());
    assertEquals(2_500_000_000L, c.caps().get(3).limitNanos());
  }

  @Test
  void emptyFileMeansDefaultsAndNoCaps() throws Exception {
    for (String yaml : List.of("", "# only a comment\n", "caps: []\n", "caps:\n")) {
      CapsConfig c = parse(yaml);
      assertEquals(List.of(), c.caps());
      assertEquals(StoreConfig.defaults(), c.store());
      assertEquals(EnforcementConfig.defaults(), c.enforcement());
      assertEquals(PricingConfig.defaults(), c.pricing());
    }
  }

  @Test
  void optionalFieldsAreRead() throws Exception {
    CapsConfig c = parse("""
        store: {type: redis, uri: "rediss://cache:6380", onFailure: open, holdTtl: 30s}
        enforcement:
          mode: estimate
          overBudget: clamp
          minOutputTokens: 64
          unknownModel: {inputPerMTok: 5.0, outputPerMTok: 15.0}
        caps:
          - name: nyc
            limitUsd: 10
            window: week
            timezone: America/New_York
            per: header:X-User
        """);
    assertEquals(StoreConfig.Type.REDIS, c.store().type());
    assertNull(c.store().path());
    assertEquals("rediss://cache:6380", c.store().uri());
    assertEquals(StoreConfig.FailureMode.OPEN, c.store().onFailure());
    assertEquals(Duration.ofSeconds(30), c.store().holdTtl());
    assertEquals(EnforcementConfig.Mode.ESTIMATE, c.enforcement().mode());
    assertEquals(EnforcementConfig.OverBudget.CLAMP, c.enforcement().overBudget());
    assertEquals(64, c.enforcement().minOutputTokens());
    assertEquals(new UnknownModelPolicy.Price(new BigDecimal("5.0"), new BigDecimal("15.0")),
        c.enforcement().unknownModel());
    assertEquals(Per.header("x-user"), c.caps().get(0).per());
    assertEquals("America/New_York", c.caps().get(0).zone().getId());
  }

  @Test
  void embeddedDefaultIsAnObviousPermissiveDemo() {
    CapsConfig c = CapsFileParser.embeddedDefault();
    assertEquals(StoreConfig.Type.MEMORY, c.store().type());
    assertTrue(c.pricing().bundledCatalog());
    assertEquals(1, c.caps().size());
    assertTrue(c.caps().get(0).name().contains("demo"));
    assertEquals(100_000_000_000L, c.caps().get(0).limitNanos());
    assertEquals(CapAction.ENFORCE, c.caps().get(0).action());
  }

  @Test
  void readsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("caps.yaml");
    Files.writeString(file, "caps:\n  - name: x\n    limitUsd: abc\n    window: day\n");
    ConfigException e = assertThrows(ConfigException.class, () -> CapsFileParser.parse(file));
    assertTrue(e.getMessage().startsWith(file + ":3:15: caps[0].limitUsd: "), e.getMessage());
    ConfigException missing =
        assertThrows(ConfigException.class, () -> CapsFileParser.parse(dir.resolve("nope.yaml")));
    assertTrue(missing.getMessage().contains("cannot read"), missing.getMessage());
  }

  @Test
  void badLimitNamesLineFieldAndFix() {
    ConfigException e = refused("""
        caps:
          - name: ok
            limitUsd: 1
            window: day
          - name: bad
            limitUsd: abc
            window: day
        """);
    assertEquals("caps.yaml:6:15: caps[1].limitUsd: must be a positive dollar amount, got \"abc\""
        + " (write it as a number, e.g. 50 or 12.5)", e.getMessage());
    assertEquals(6, e.line());
    assertEquals("caps[1].limitUsd", e.field());
  }

  @Test
  void zeroNegativeAndTooPreciseLimitsAreRefused() {
    assertTrue(refused("caps: [{name: a, limitUsd: 0, window: day}]").getMessage()
        .contains("caps[0].limitUsd: must be a positive dollar amount, got 0"));
    assertTrue(refused("caps: [{name: a, limitUsd: -5, window: day}]").getMessage()
        .contains("got -5"));
    assertTrue(refused("caps: [{name: a, limitUsd: 0.0000000001, window: day}]").getMessage()
        .contains("more than 9 decimals"));
    assertTrue(refused("caps: [{name: a, limitUsd: .inf, window: day}]").getMessage()
        .contains("positive dollar amount"));
    assertTrue(refused("caps: [{name: a, window: day}]").getMessage()
        .contains("caps[0].limitUsd: is required"));
  }

  @Test
  void unknownFieldIsNamedWithTheValidOnes() {
    ConfigException e = refused("""
        caps:
          - name: a
            limitUSD: 5
            window: day
        """);
    assertEquals(3, e.line());
    assertEquals(5, e.column());
    assertEquals("caps[0].limitUSD", e.field());
    assertTrue(e.problem().contains("unknown field \"limitUSD\"; valid fields here: name, "
        + "limitUsd, window, timezone, per, match, action"), e.problem());
    assertEquals("stores", refused("stores: {}\n").field());
  }

  @Test
  void duplicateYamlKeysAreRefused() {
    ConfigException e = refused("""
        caps:
          - name: a
            limitUsd: 5
            window: day
            limitUsd: 50
        """);
    assertEquals(5, e.line());
    assertEquals("caps[0].limitUsd", e.field());
    assertTrue(e.problem().contains("duplicate key (first written on line 3)"), e.problem());
  }

  @Test
  void duplicateCapNamesAreRefused() {
    ConfigException e = refused("""
        caps:
          - {name: a, limitUsd: 5, window: day}
          - {name: a, limitUsd: 6, window: hour}
        """);
    assertEquals(3, e.line());
    assertEquals("caps[1].name", e.field());
    assertTrue(e.problem().contains("already the name of caps[0]"), e.problem());
  }

  @Test
  void badWindowTimezoneAndPerAreRefused() {
    ConfigException window = refused("caps: [{name: a, limitUsd: 5, window: fortnight}]");
    assertEquals("caps[0].window", window.field());
    assertTrue(window.problem().contains("hour | day | week | month | total"));
    ConfigException zone =
        refused("caps: [{name: a, limitUsd: 5, window: day, timezone: Mars/Olympus}]");
    assertEquals("caps[0].timezone", zone.field());
    assertTrue(zone.problem().contains("Mars/Olympus"));
    ConfigException per = refused("caps: [{name: a, limitUsd: 5, window: day, per: team}]");
    assertEquals("caps[0].per", per.field());
    assertTrue(per.problem().contains("service | apiKey | header:<name> | model | provider"));
    assertEquals("caps[0].per",
        refused("caps: [{name: a, limitUsd: 5, window: day, per: 'header:'}]").field());
    assertEquals("caps[0].window", refused("caps: [{name: a, limitUsd: 5}]").field());
  }

  @Test
  void badDurationsAreRefused() {
    for (String bad : List.of("10 minutes", "10", "0s", "-1m", "PT10M")) {
      ConfigException e = refused("store:\n  holdTtl: " + bad + "\n");
      assertEquals("store.holdTtl", e.field(), bad);
      assertEquals(2, e.line());
    }
  }

  @Test
  void wrongTypesAreRefused() {
    assertEquals("caps", refused("caps: {name: a}\n").field());
    assertEquals("caps[0]", refused("caps: [hello]\n").field());
    assertEquals("store", refused("store: memory\n").field());
    assertEquals("enforcement.minOutputTokens",
        refused("enforcement: {minOutputTokens: 1.5}\n").field());
    assertEquals("caps[0].name", refused("caps: [{name: [a], limitUsd: 1, window: day}]").field());
    assertEquals("store.type", refused("store: {type: postgres}\n").field());
    assertEquals("caps[0].action",
        refused("caps: [{name: a, limitUsd: 1, window: day, action: warn}]").field());
    assertEquals("enforcement.unknownModel", refused("enforcement: {unknownModel: allow}\n").field());
    assertEquals("enforcement.unknownModel.outputPerMTok",
        refused("enforcement: {unknownModel: {inputPerMTok: 1}}\n").field());
  }

  @Test
  void redisStoreNeedsExactlyOneOfUriOrNodes() {
    assertEquals("store.uri", refused("store: {type: redis}\n").field());
    assertEquals("store.uri", refused("store: {type: redis, uri: 'http://x'}\n").field());
    assertEquals("store.nodes",
        refused("store: {type: redis, uri: 'redis://a', nodes: ['redis://b']}\n").field());
    assertEquals("store.nodes[1]",
        refused("store: {type: redis, nodes: ['redis://a', 'redis-sentinel://b']}\n").field());
  }

  @Test
  void unknownProviderInMatchIsRefused() {
    ConfigException e =
        refused("caps: [{name: a, limitUsd: 1, window: day, match: {provider: opneai}}]");
    assertEquals("caps[0].match.provider", e.field());
    assertTrue(e.problem().contains("openai"));
  }

  @Test
  void invalidYamlReportsItsLocation() {
    ConfigException e = refused("caps:\n  - name: a\n   limitUsd: [\n");
    assertTrue(e.line() > 0, e.getMessage());
    assertTrue(e.problem().startsWith("not valid YAML"), e.getMessage());
  }

  @Test
  void duplicatePriceOverridesAndBadWebhookAreRefused() {
    assertEquals("pricing.overrides[1].model", refused("""
        pricing:
          overrides:
            - {model: m, inputPerMTok: 1, outputPerMTok: 2}
            - {model: m, inputPerMTok: 1, outputPerMTok: 2}
        """).field());
    assertEquals("pricing.overrides[0].inputPerMTok",
        refused("pricing: {overrides: [{model: m, inputPerMTok: -1}]}\n").field());
    assertEquals("alerts.webhook", refused("alerts: {webhook: 'ftp://x'}\n").field());
    assertEquals("alerts.thresholds[1]", refused("alerts: {thresholds: [0.5, 0]}\n").field());
  }
}
