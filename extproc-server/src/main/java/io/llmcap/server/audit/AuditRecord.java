package io.llmcap.server.audit;

import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.ledger.CapStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One audit line. A decision writes a {@link #DECISION} record at once; a call that held a
 * reservation adds a {@link #SETTLEMENT} record with the same call id when it ends. Writing the
 * decision first means a crash mid-call loses nothing already decided; {@code llmcap audit} joins
 * the two into one row per call. Carries the caller's service and key fingerprint, never a key or
 * a prompt.
 *
 * @param type {@link #DECISION} or {@link #SETTLEMENT}
 * @param outcome the decision outcome in lower case ({@code allowed}, {@code denied_cap}, …)
 * @param reservedNanos held at the decision
 * @param settledNanos charged at the end (settlement records), else null
 * @param settledHow why the call ended (settlement records), else null
 * @param caps the caps the call touched
 * @param blockingCap the cap that denied it, or null
 */
public record AuditRecord(
    String type,
    Instant at,
    String callId,
    String service,
    String apiKeyFingerprint,
    String provider,
    String api,
    String model,
    String outcome,
    long reservedNanos,
    Long settledNanos,
    String settledHow,
    int upstreamStatus,
    List<CapTouched> caps,
    String blockingCap,
    String reason) {
  public static final String DECISION = "decision";
  public static final String SETTLEMENT = "settlement";

  /**
   * A cap a call touched.
   *
   * @param wouldDeny a shadow cap that would have denied the call
   */
  public record CapTouched(String name, String subject, String action, boolean wouldDeny) {}

  public AuditRecord {
    caps = caps == null ? List.of() : List.copyOf(caps);
  }

  public static AuditRecord of(CallListener.Decision d) {
    List<CapTouched> caps = new ArrayList<>(d.caps().size());
    for (CapStatus s : d.caps()) {
      boolean wouldDeny = d.shadowWouldDeny().stream().anyMatch(w -> w.cap().key().equals(s.cap().key()));
      caps.add(new CapTouched(s.cap().capName(), s.cap().subject(),
          s.cap().action().name().toLowerCase(Locale.ROOT), wouldDeny));
    }
    return new AuditRecord(DECISION, d.at(), d.callId(), d.service(), d.apiKeyFingerprint(), d.provider(), d.api(),
        d.model(), d.outcome().name().toLowerCase(Locale.ROOT), d.reservedNanos(), null, null, 0, caps,
        d.blocking() == null ? null : d.blocking().cap().capName(), d.reason());
  }

  public static AuditRecord of(CallListener.Settlement s) {
    CallListener.Decision d = s.decision();
    return new AuditRecord(SETTLEMENT, s.at(), d.callId(), d.service(), d.apiKeyFingerprint(), d.provider(), d.api(),
        s.responseModel() != null ? s.responseModel() : d.model(), d.outcome().name().toLowerCase(Locale.ROOT),
        d.reservedNanos(), s.settledNanos(), s.how(), s.upstreamStatus(), List.of(), null, null);
  }
}
