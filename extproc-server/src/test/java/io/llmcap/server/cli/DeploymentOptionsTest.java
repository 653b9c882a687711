package io.llmcap.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The serve flags for cluster deployments: reload and TLS. */
class DeploymentOptionsTest {

  private static DeploymentOptions parse(String... args) {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).parseArgs(args);
    return serve.deployment;
  }

  @Test
  void watchesTheCapsFileByDefaultAndPollsEveryFiveSeconds() throws Exception {
    DeploymentOptions options = parse();
    assertTrue(options.watchConfig);
    assertEquals(Duration.ofSeconds(5), options.configPollInterval);
    options.grpcServerBuilder(0);
    assertEquals("plaintext", options.transport());
  }

  @Test
  void watchingCanBeTurnedOff() {
    assertFalse(parse("--no-watch-config").watchConfig);
  }

  @Test
  void aClientCaWithoutAServerCertificateIsRefused() {
    var error = assertThrows(IllegalArgumentException.class,
        () -> parse("--tls-client-ca", "ca.pem").grpcServerBuilder(0));
    assertTrue(error.getMessage().contains("--tls-cert and --tls-key"), error.getMessage());
  }

  @Test
  void aCertificateWithoutItsKeyIsRefused() {
    var error = assertThrows(IllegalArgumentException.class,
        () -> parse("--tls-cert", "cert.pem").grpcServerBuilder(0));
    assertEquals("--tls-cert and --tls-key go together", error.getMessage());
  }
}
