package io.llmcap.server.audit;

import io.llmcap.server.extproc.CallListener;
import java.time.Instant;
import java.util.List;

/** Decisions built by hand for audit tests that need no server. */
final class AuditLogTestDecisions {
  private AuditLogTestDecisions() {}

  static CallListener.Decision allowed(String callId) {
    return new CallListener.Decision(Instant.parse("2026-11-23T10:00:00Z"), callId, "openai", "OPENAI_CHAT",
        "gpt-4o-mini", "svc", "fp", CallListener.Outcome.ALLOWED, 1000, List.of(), List.of(), null, null, 1000);
  }
}
