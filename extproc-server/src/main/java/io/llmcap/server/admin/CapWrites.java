package io.llmcap.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmcap.pricing.NanoUsd;
import io.llmcap.server.Engine;
import io.llmcap.server.cap.CapDefinition;
import io.llmcap.server.cap.CapPolicy;
import io.llmcap.server.ledger.LedgerException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin writes, all behind the bearer token:
 *
 * <ul>
 *   <li>{@code POST /v1/caps/{name}/reset[?subject=S]}: zero the spend of the cap's current
 *       window (every subject, or one);
 *   <li>{@code POST /v1/caps/{name}/limit} with {@code {"limitUsd": "12.5"}}: another limit until
 *       the next config change (this replica only: the override lives in the policy in memory);
 *   <li>{@code DELETE /v1/caps/{name}/limit}: back to the caps file's limit.
 * </ul>
 */
final class CapWrites {
  private static final Logger log = LoggerFactory.getLogger(CapWrites.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** An HTTP answer: status and JSON body. */
  record Answer(int status, byte[] body) {}

  private final Supplier<Engine> engine;
  private final AdminToken token;

  CapWrites(Supplier<Engine> engine, AdminToken token) {
    this.engine = engine;
    this.token = token;
  }

  Answer handle(String method, String path, String rawQuery, String authorization, byte[] body) {
    String[] parts = path.substring("/v1/caps/".length()).split("/", -1);
    if (parts.length != 2 || parts[0].isEmpty() || !(parts[1].equals("reset") || parts[1].equals("limit"))) {
      return error(404, "no such endpoint: " + path + "; the writes are POST /v1/caps/{name}/reset[?subject=S], "
          + "POST /v1/caps/{name}/limit and DELETE /v1/caps/{name}/limit");
    }
    boolean reset = parts[1].equals("reset");
    if (!"POST".equals(method) && !(!reset && "DELETE".equals(method))) {
      return error(405, "use " + (reset ? "POST" : "POST or DELETE") + " on " + path);
    }
    switch (token.check(authorization)) {
      case DISABLED:
        return error(403, "admin writes are disabled on this server: start it with --admin-token-file FILE or the "
            + AdminToken.ENV + " environment variable to enable them");
      case MISSING:
        return error(401, "this endpoint needs the admin token: send the header 'Authorization: Bearer <token>'");
      case WRONG:
        return error(403, "the admin token is not the one this server was started with");
      case GRANTED:
        break;
    }
    String capName = decode(parts[0]);
    Engine current = engine.get();
    Optional<CapDefinition> cap = current.policy().cap(capName);
    if (cap.isEmpty()) {
      return error(404, "no cap named '" + capName + "' in the caps file in force; GET /v1/caps lists them");
    }
    if (reset) {
      return reset(current, capName, queryParam(rawQuery, "subject"));
    }
    if ("DELETE".equals(method)) {
      boolean had = current.policy().clearLimitOverride(capName);
      log.info("admin: cap '{}' limit back to the caps file's {}", capName, NanoUsd.format(cap.get().limitNanos()));
      return limitAnswer(current.policy(), cap.get(), had ? "override removed" : "no override was set");
    }
    return setLimit(current.policy(), cap.get(), body);
  }

  private Answer reset(Engine current, String capName, String subject) {
    try {
      int n = current.ledger().reset(capName, subject, current.clock().instant());
      log.info("admin: reset cap '{}'{}: {} instance(s) of the current window", capName,
          subject == null ? " (every subject)" : " subject '" + subject + "'", n);
      ObjectNode out = JSON.createObjectNode();
      out.put("cap", capName);
      out.put("subject", subject);
      out.put("instancesReset", n);
      return new Answer(200, bytes(out));
    } catch (LedgerException e) {
      return error(503, "the spend store is unavailable, nothing was reset: " + e.getMessage());
    }
  }

  private Answer setLimit(CapPolicy policy, CapDefinition cap, byte[] body) {
    if (body.length > AdminHttpServer.MAX_BODY_BYTES) {
      return error(413, "the body is too large; send {\"limitUsd\": \"12.5\"}");
    }
    long nanos;
    try {
      JsonNode root = JSON.readTree(body);
      JsonNode v = root == null ? null : root.get("limitUsd");
      if (v == null || !(v.isTextual() || v.isNumber())) {
        return error(400, "the body must be a JSON object with \"limitUsd\", a positive decimal number of dollars "
            + "as a string, e.g. {\"limitUsd\": \"12.5\"}");
      }
      BigDecimal usd = v.isTextual() ? new BigDecimal(v.textValue().strip()) : v.decimalValue();
      if (usd.signum() <= 0) {
        return error(400, "limitUsd must be positive, got " + usd.toPlainString());
      }
      nanos = NanoUsd.fromUsd(usd, RoundingMode.UNNECESSARY);
    } catch (java.io.IOException e) {
      return error(400, "the body is not JSON; send {\"limitUsd\": \"12.5\"}");
    } catch (NumberFormatException e) {
      return error(400, "limitUsd is not a decimal number of dollars; send e.g. {\"limitUsd\": \"12.5\"}");
    } catch (ArithmeticException e) {
      return error(400, "limitUsd must have at most 9 decimals and be below 9 billion dollars");
    }
    long before = policy.limitOf(cap);
    policy.overrideLimit(cap.name(), nanos);
    log.info("admin: cap '{}' limit {} -> {} until the next config change (this replica)", cap.name(),
        NanoUsd.format(before), NanoUsd.format(nanos));
    ObjectNode out = limitJson(policy, cap, "override set until the next config change, on this replica");
    out.put("previousLimitUsd", NanoUsd.format(before));
    return new Answer(200, bytes(out));
  }

  private static Answer limitAnswer(CapPolicy policy, CapDefinition cap, String note) {
    return new Answer(200, bytes(limitJson(policy, cap, note)));
  }

  private static ObjectNode limitJson(CapPolicy policy, CapDefinition cap, String note) {
    long limit = policy.limitOf(cap);
    ObjectNode out = JSON.createObjectNode();
    out.put("cap", cap.name());
    out.put("limitNanoUsd", limit);
    out.put("limitUsd", NanoUsd.format(limit));
    out.put("configuredLimitUsd", NanoUsd.format(cap.limitNanos()));
    out.put("limitOverridden", policy.limitOverride(cap.name()) != null);
    out.put("note", note);
    return out;
  }

  private static String queryParam(String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      if (key.equals(name)) {
        return eq < 0 ? "" : decode(pair.substring(eq + 1));
      }
    }
    return null;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  static Answer error(int status, String message) {
    ObjectNode out = JSON.createObjectNode();
    out.put("error", message);
    return new Answer(status, bytes(out));
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }
}
