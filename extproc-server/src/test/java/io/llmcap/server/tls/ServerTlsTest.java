package io.llmcap.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.testing.MutableClock;
import io.llmcap.server.testing.TestEngines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS on the gRPC port, with certificates made by openssl at test time. */
class ServerTlsTest {
  @TempDir Path dir;
  private TestPki pki;
  private ServerTls tls;
  private LlmcapServer server;

  @BeforeAll
  static void needsOpenssl() {
    assumeTrue(TestPki.opensslAvailable(), "the openssl CLI makes the test certificates");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (tls != null) {
      tls.close();
    }
  }

  private int serve(Path cert, Path key, Path clientCa, Duration refresh) throws Exception {
    tls = ServerTls.fromFiles(cert, key, clientCa, refresh);
    var clock = MutableClock.at("2026-11-23T10:00:00Z");
    server = new LlmcapServer(Grpc.newServerBuilderForPort(0, tls.credentials()),
        TestEngines.inMemory("caps: []", clock), Duration.ofSeconds(1)).start(null);
    return server.grpcPort();
  }

  private static ServingStatus health(int port, ChannelCredentials credentials) {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", port, credentials).build();
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  private static ChannelCredentials trusting(Path ca) throws Exception {
    return TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build();
  }

  @Test
  void aClientTrustingTheServersCaConnectsOverTls() throws Exception {
    pki = new TestPki(dir);
    Path ca = pki.ca("ca");
    TestPki.Leaf cert = pki.leaf("server", "ca");
    int port = serve(cert.cert(), cert.key(), null, Duration.ofMinutes(1));
    assertEquals(ServingStatus.SERVING, health(port, trusting(ca)));
    assertTrue(!tls.mutual());
  }

  @Test
  void mutualTlsAdmitsACertifiedClientAndRefusesOneWithoutACertificate() throws Exception {
    pki = new TestPki(dir);
    Path ca = pki.ca("ca");
    Path clientCa = pki.ca("client-ca");
    TestPki.Leaf cert = pki.leaf("server", "ca");
    TestPki.Leaf envoy = pki.leaf("envoy", "client-ca");
    TestPki.Leaf stranger = pki.leaf("stranger", "ca");
    int port = serve(cert.cert(), cert.key(), clientCa, Duration.ofMinutes(1));
    assertTrue(tls.mutual());

    assertEquals(ServingStatus.SERVING, health(port, TlsChannelCredentials.newBuilder()
        .trustManager(ca.toFile()).keyManager(envoy.cert().toFile(), envoy.key().toFile()).build()));

    StatusRuntimeException noCert = assertThrows(StatusRuntimeException.class, () -> health(port, trusting(ca)));
    assertEquals(Status.Code.UNAVAILABLE, noCert.getStatus().getCode());
    StatusRuntimeException wrongCa = assertThrows(StatusRuntimeException.class, () -> health(port,
        TlsChannelCredentials.newBuilder().trustManager(ca.toFile())
            .keyManager(stranger.cert().toFile(), stranger.key().toFile()).build()));
    assertEquals(Status.Code.UNAVAILABLE, wrongCa.getStatus().getCode(), "a cert from another CA is refused");
  }

  @Test
  void aRotatedServerCertificateIsServedWithoutARestart() throws Exception {
    pki = new TestPki(dir);
    Path oldCa = pki.ca("old-ca");
    Path newCa = pki.ca("new-ca");
    TestPki.Leaf old = pki.leaf("server-old", "old-ca");
    TestPki.Leaf renewed = pki.leaf("server-new", "new-ca");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Files.copy(old.cert(), cert);
    Files.copy(old.key(), key);
    int port = serve(cert, key, null, Duration.ofMillis(100));
    assertEquals(ServingStatus.SERVING, health(port, trusting(oldCa)));

    replace(key, renewed.key());
    replace(cert, renewed.cert());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        assertEquals(ServingStatus.SERVING, health(port, trusting(newCa)));
        break;
      } catch (StatusRuntimeException stillOld) {
        assertTrue(System.nanoTime() < deadline, "the renewed certificate was not picked up within 10 s");
        Thread.sleep(100);
      }
    }
    assertThrows(StatusRuntimeException.class, () -> health(port, trusting(oldCa)),
        "new connections no longer get the old certificate");
  }

  /** Swaps a file in one rename, as a Secret volume update does, with a modification time that surely differs. */
  private static void replace(Path target, Path source) throws Exception {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(tmp, FileTime.fromMillis(Files.getLastModifiedTime(target).toMillis() + 5_000));
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void aHalfDoneRotationKeepsThePreviousPairServing() throws Exception {
    pki = new TestPki(dir);
    Path oldCa = pki.ca("old-ca");
    pki.ca("new-ca");
    TestPki.Leaf old = pki.leaf("server-old", "old-ca");
    TestPki.Leaf renewed = pki.leaf("server-new", "new-ca");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Files.copy(old.cert(), cert);
    Files.copy(old.key(), key);
    int port = serve(cert, key, null, Duration.ofMillis(50));

    replace(cert, renewed.cert()); // the key has not been replaced yet
    Thread.sleep(300);
    assertEquals(ServingStatus.SERVING, health(port, trusting(oldCa)), "the old, consistent pair still serves");

    var mismatch = assertThrows(java.security.GeneralSecurityException.class,
        () -> ServerTls.fromFiles(cert, key, null, Duration.ofMinutes(1)));
    assertTrue(mismatch.getMessage().contains("does not belong to the certificate"), mismatch.getMessage());
  }

  @Test
  void aMissingKeyFileIsNamedWithItsFlag() {
    var error = assertThrows(java.io.IOException.class,
        () -> ServerTls.fromFiles(dir.resolve("c.pem"), dir.resolve("k.pem"), null, Duration.ofMinutes(1)));
    assertTrue(error.getMessage().startsWith("--tls-cert "), error.getMessage());
  }
}
