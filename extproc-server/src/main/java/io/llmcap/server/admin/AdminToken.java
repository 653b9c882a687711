package io.llmcap.server.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * The bearer token that admin writes (reset, limit) require. Without a configured token writes
 * are disabled entirely. The token itself is never logged and never kept in clear beyond this
 * object: only its SHA-256 digest is held, and presented tokens are compared digest to digest
 * with {@link MessageDigest#isEqual} (constant time, and the lengths of the tokens do not leak).
 */
public final class AdminToken {
  /** The environment variable holding the token when no file is given. */
  public static final String ENV = "LLMCAP_ADMIN_TOKEN";
  /** Tokens shorter than this are refused at start: they could be guessed. */
  public static final int MIN_LENGTH = 16;

  /** What a presented {@code Authorization} header amounts to. */
  public enum Verdict {
    /** The right token. */
    GRANTED,
    /** No bearer token was presented: 401. */
    MISSING,
    /** A bearer token was presented and it is wrong: 403. */
    WRONG,
    /** No token is configured, so writes are off: 403. */
    DISABLED
  }

  private static final AdminToken NONE = new AdminToken(null, null);

  private final byte[] digest;
  private final String source;

  private AdminToken(byte[] digest, String source) {
    this.digest = digest;
    this.source = source;
  }

  /** Writes disabled. */
  public static AdminToken none() {
    return NONE;
  }

  /** @throws IllegalArgumentException when the token is shorter than {@link #MIN_LENGTH} */
  public static AdminToken of(String token, String source) {
    String t = token.strip();
    if (t.length() < MIN_LENGTH) {
      throw new IllegalArgumentException("the admin token from " + source + " is " + t.length()
          + " characters long; use at least " + MIN_LENGTH + " random characters (e.g. openssl rand -hex 32)");
    }
    return new AdminToken(sha256(t), source);
  }

  /**
   * The token from {@code file} when given, else from {@code envValue} (the value of {@link #ENV}),
   * else none (writes disabled).
   *
   * @throws IllegalArgumentException when the file cannot be read or a token is too short
   */
  public static AdminToken load(Path file, String envValue) {
    if (file != null) {
      try {
        return of(Files.readString(file, StandardCharsets.UTF_8), "file " + file);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the admin token file " + file + ": " + e.getMessage(), e);
      }
    }
    if (envValue != null && !envValue.isBlank()) {
      return of(envValue, "environment variable " + ENV);
    }
    return NONE;
  }

  public boolean enabled() {
    return digest != null;
  }

  /** Where the token came from (for the start-up log line), never the token. */
  public String source() {
    return source == null ? "none" : source;
  }

  /** Judges an {@code Authorization} header value (null when absent). */
  public Verdict check(String authorization) {
    if (digest == null) {
      return Verdict.DISABLED;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Verdict.MISSING;
    }
    String presented = authorization.substring(7).strip();
    if (presented.isEmpty()) {
      return Verdict.MISSING;
    }
    return MessageDigest.isEqual(digest, sha256(presented)) ? Verdict.GRANTED : Verdict.WRONG;
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "AdminToken{" + (enabled() ? "from " + source : "none").toLowerCase(Locale.ROOT) + "}";
  }
}
