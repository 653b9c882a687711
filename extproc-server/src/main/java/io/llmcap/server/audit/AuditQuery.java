package io.llmcap.server.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads an audit file and its rotated predecessors, joins each decision with its settlement, and
 * filters by caller, model and decision time.
 *
 * @param caller a service or an API key fingerprint, exactly; null for any
 * @param model a model name, case-insensitive, {@code *} matching any run of characters; null for any
 * @param since decisions at or after; null for no bound
 * @param until decisions before; null for no bound
 */
public record AuditQuery(String caller, String model, Instant since, Instant until) {

  /** One call: its decision, and its settlement when it held a reservation and ended. */
  public record Row(AuditRecord decision, AuditRecord settlement) {}

  /** The rows found, in decision order, and how many lines could not be read. */
  public record Result(List<Row> rows, int unreadableLines) {}

  public Result run(Path file) throws IOException {
    List<Path> files = new ArrayList<>(JsonLinesAuditFile.rotatedFiles(file));
    if (Files.exists(file)) {
      files.add(file);
    }
    if (files.isEmpty()) {
      throw new java.nio.file.NoSuchFileException(file.toString(), null, "no audit file (or rotated audit file) here");
    }
    Pattern modelPattern = model == null ? null : Pattern.compile(
        ("\\Q" + model.toLowerCase(Locale.ROOT) + "\\E").replace("*", "\\E.*\\Q"));
    Map<String, AuditRecord> decisions = new LinkedHashMap<>();
    Map<String, AuditRecord> settlements = new LinkedHashMap<>();
    int unreadable = 0;
    for (Path f : files) {
      try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.isBlank()) {
            continue;
          }
          AuditRecord r;
          try {
            r = AuditJson.parse(line);
          } catch (IllegalArgumentException e) {
            unreadable++;
            continue;
          }
          if (AuditRecord.SETTLEMENT.equals(r.type())) {
            settlements.put(r.callId(), r);
          } else if (AuditRecord.DECISION.equals(r.type()) && matches(r, modelPattern)) {
            decisions.put(r.callId(), r);
          }
        }
      }
    }
    List<Row> rows = new ArrayList<>(decisions.size());
    for (AuditRecord d : decisions.values()) {
      rows.add(new Row(d, settlements.get(d.callId())));
    }
    return new Result(rows, unreadable);
  }

  private boolean matches(AuditRecord r, Pattern modelPattern) {
    if (caller != null && !caller.equals(r.service()) && !caller.equals(r.apiKeyFingerprint())) {
      return false;
    }
    if (modelPattern != null && (r.model() == null || !modelPattern.matcher(r.model().toLowerCase(Locale.ROOT)).matches())) {
      return false;
    }
    if (since != null && r.at().isBefore(since)) {
      return false;
    }
    return until == null || r.at().isBefore(until);
  }
}
