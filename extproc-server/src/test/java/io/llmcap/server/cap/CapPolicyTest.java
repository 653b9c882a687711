package io.llmcap.server.cap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CapPolicyTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

  private static CapDefinition cap(String name, Per per, CapMatch match) {
    return new CapDefinition(name, 1_000, WindowUnit.DAY, ZoneOffset.UTC, per, match,
        CapAction.ENFORCE);
  }

  private static CallAttributes call(String model, String service, Map<String, String> headers) {
    return new CallAttributes("openai", model, service, "fp123", headers);
  }

  private final CapPolicy policy = new CapPolicy(List.of(
      cap("org", Per.NONE, CapMatch.ALL),
      cap("per-service", Per.SERVICE, CapMatch.ALL),
      cap("gpt4-research", Per.NONE,
          new CapMatch("openai", "gpt-4*", Map.of("X-Team", "research"))),
      cap("per-model", Per.MODEL, CapMatch.ALL),
      cap("anthropic-only", Per.NONE, new CapMatch("anthropic", null, Map.of()))));

  @Test
  void matchingReturnsInstancesInFileOrderWithSubjectsAndWindow() {
    List<CapInstance> got =
        policy.matching(call("gpt-4o", "checkout", Map.of("x-team", "research")), NOW);
    assertEquals(List.of("org", "per-service", "gpt4-research", "per-model"),
        got.stream().map(CapInstance::capName).toList());
    assertEquals(List.of("", "checkout", "", "gpt-4o"),
        got.stream().map(CapInstance::subject).toList());
    CapInstance org = got.get(0);
    assertEquals("day", org.window());
    assertEquals(Instant.parse("2026-11-23T00:00:00Z"), org.windowStart());
    assertEquals(Instant.parse("2026-11-24T00:00:00Z"), org.windowEnd());
    assertEquals(1_000, org.limitNanos());
  }

  @Test
  void everyMatchConditionMustHold() {
    assertFalse(names(policy.matching(call("gpt-4o", "s", Map.of("x-team", "ads")), NOW))
        .contains("gpt4-research"));
    assertFalse(names(policy.matching(call("gpt-3.5", "s", Map.of("x-team", "research")), NOW))
        .contains("gpt4-research"));
    assertTrue(names(policy.matching(call("GPT-4-turbo", "s", Map.of("x-team", "research")), NOW))
        .contains("gpt4-research"), "model patterns ignore case");
  }

  @Test
  void headersPhaseSkipsCapsThatNeedTheModel() {
    List<CapInstance> got =
        policy.matchingWithoutModel(call(null, "checkout", Map.of("x-team", "research")), NOW);
    assertEquals(List.of("org", "per-service"), names(got));
  }

  @Test
  void missingIdentityCountsUnderOneSharedSubject() {
    List<CapInstance> got = policy.matching(call("gpt-4o", null, Map.of()), NOW);
    assertEquals(Per.MISSING, got.get(1).subject());
    assertEquals(Per.MISSING, Per.header("x-user").subjectOf(call("m", "s", Map.of())));
    assertEquals(Per.MISSING, Per.SERVICE.subjectOf(call("m", "", Map.of())));
  }

  @Test
  void overlongIdentitiesAreCut() {
    String huge = "x".repeat(10_000);
    assertEquals(Per.MAX_SUBJECT_LENGTH,
        Per.header("x-user").subjectOf(call("m", "s", Map.of("x-user", huge))).length());
  }

  @Test
  void duplicateNamesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new CapPolicy(List.of(
        cap("a", Per.NONE, CapMatch.ALL), cap("a", Per.SERVICE, CapMatch.ALL))));
  }

  @Test
  void perParsesEveryCapsFileForm() {
    assertEquals(Per.SERVICE, Per.parse("service"));
    assertEquals(Per.API_KEY, Per.parse("apiKey"));
    assertEquals(Per.MODEL, Per.parse("model"));
    assertEquals(Per.PROVIDER, Per.parse("provider"));
    assertEquals(Per.header("x-team"), Per.parse("header:X-Team"));
    assertEquals("header:x-team", Per.parse("header:X-Team").toString());
    assertThrows(IllegalArgumentException.class, () -> Per.parse("header:bad name"));
    // A subject is stored and exported: a header carrying the provider key can never be one.
    for (String credential : new String[] {"authorization", "X-Api-Key", "x-goog-api-key", "api-key"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Per.parse("header:" + credential));
      assertTrue(e.getMessage().contains("apiKey"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Per.parse("team"));
    assertEquals("fp123", Per.API_KEY.subjectOf(call("m", "s", Map.of())));
    assertEquals("openai", Per.PROVIDER.subjectOf(call("m", "s", Map.of())));
  }

  @Test
  void globsMatchSegmentsAnywhere() {
    assertTrue(ModelGlob.compile("*").matches("anything"));
    assertTrue(ModelGlob.compile("gpt-4o").matches("gpt-4o"));
    assertFalse(ModelGlob.compile("gpt-4o").matches("gpt-4o-mini"));
    assertTrue(ModelGlob.compile("*mini").matches("gpt-4o-mini"));
    assertTrue(ModelGlob.compile("claude-*-sonnet-*").matches("claude-3-5-sonnet-20240620"));
    assertFalse(ModelGlob.compile("claude-*-sonnet-*").matches("claude-3-opus-20240229"));
    assertFalse(ModelGlob.compile("ab*ba").matches("aba"), "segments may not overlap");
    assertTrue(ModelGlob.compile("*4o*").matches("gpt-4o-mini"));
    assertFalse(ModelGlob.compile("gpt*").matches(null));
  }

  private static List<String> names(List<CapInstance> instances) {
    return instances.stream().map(CapInstance::capName).toList();
  }

  @Test
  void aLimitOverrideAppliesToNewInstancesUntilCleared() {
    CallAttributes c = call("gpt-4o", "checkout", Map.of());
    policy.overrideLimit("per-service", 5_000);

    CapInstance overridden = policy.matching(c, NOW).get(1);
    assertEquals(5_000, overridden.limitNanos());
    assertEquals(1_000, policy.matching(c, NOW).get(0).limitNanos(), "other caps keep their limit");
    assertEquals(5_000L, policy.limitOverride("per-service"));

    assertTrue(policy.clearLimitOverride("per-service"));
    assertEquals(1_000, policy.matching(c, NOW).get(1).limitNanos());
    assertFalse(policy.clearLimitOverride("per-service"));
  }

  @Test
  void aLimitOverrideNeedsAKnownCapAndAPositiveLimit() {
    assertThrows(IllegalArgumentException.class, () -> policy.overrideLimit("nope", 5));
    assertThrows(IllegalArgumentException.class, () -> policy.overrideLimit("org", 0));
  }

  @Test
  void aNewPolicyStartsWithoutTheOverridesOfTheOld() {
    policy.overrideLimit("org", 7);
    CapPolicy reloaded = new CapPolicy(policy.caps());
    assertEquals(1_000, reloaded.matching(call("m", "s", Map.of()), NOW).get(0).limitNanos());
  }
}
