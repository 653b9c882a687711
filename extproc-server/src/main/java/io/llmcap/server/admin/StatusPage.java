package io.llmcap.server.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The status page at {@code /}: one self-contained HTML file (inline CSS and script, no external
 * assets) that reads {@code /v1/caps} and {@code /v1/denials} and refreshes itself.
 */
final class StatusPage {
  private StatusPage() {}

  static byte[] html() {
    try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
      if (in == null) {
        throw new IllegalStateException("status.html is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the bundled status page", e);
    }
  }
}
