package io.llmcap.server.tls;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for the gRPC port when no mesh encrypts the hop from Envoy: the server certificate and key, and for mutual
 * TLS the CA that client certificates must chain to, all read from PEM files and re-read when their content changes
 * (a renewed cert-manager Secret, a rotated file), so a rotation needs no restart. New connections get the new
 * material; established ones keep the session they negotiated. A rotation caught half-way (a new certificate with
 * the old key) is not put in force: the previous pair keeps serving until the files agree.
 *
 * <p>grpc-java's own file refresh for these managers cannot poll more often than once a minute and takes a
 * mismatched pair as it is, hence this refresher.
 */
public final class ServerTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);
  private static final String ALIAS = "default";

  private final Path certChain;
  private final Path privateKey;
  private final Path clientCa;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trust;
  private final ServerCredentials credentials;
  private final ScheduledExecutorService refresher;
  private String identitySeen;
  private String trustSeen;

  private ServerTls(Path certChain, Path privateKey, Path clientCa, Duration refresh)
      throws IOException, GeneralSecurityException {
    this.certChain = certChain;
    this.privateKey = privateKey;
    this.clientCa = clientCa;
    requireReadable(certChain, "--tls-cert");
    requireReadable(privateKey, "--tls-key");
    if (clientCa != null) {
      requireReadable(clientCa, "--tls-client-ca");
    }
    if (refresh.isNegative() || refresh.isZero()) {
      throw new IllegalArgumentException("the TLS refresh interval must be positive, got " + refresh);
    }
    loadIdentity();
    TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder().keyManager(keys);
    if (clientCa != null) {
      trust = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
          .build();
      loadTrust();
      builder.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    } else {
      trust = null;
    }
    credentials = builder.build();
    refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "llmcap-tls-refresh");
      t.setDaemon(true);
      return t;
    });
    refresher.scheduleWithFixedDelay(this::refresh, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * @param certChain PEM certificate chain the server presents (leaf first)
   * @param privateKey PEM PKCS#8 private key of that certificate
   * @param clientCa PEM CA bundle client certificates must chain to; null for server-only TLS, given for mutual
   *     TLS (a client without a valid certificate is refused during the handshake)
   * @param refresh how often the files are checked for a change
   * @throws IOException when a file is missing or unreadable
   * @throws GeneralSecurityException when a file does not hold what it should, or the key is not the cert's
   */
  public static ServerTls fromFiles(Path certChain, Path privateKey, Path clientCa, Duration refresh)
      throws IOException, GeneralSecurityException {
    return new ServerTls(certChain, privateKey, clientCa, refresh);
  }

  public ServerCredentials credentials() {
    return credentials;
  }

  /** True when clients must present a certificate. */
  public boolean mutual() {
    return trust != null;
  }

  private void refresh() {
    try {
      if (!contentHash(certChain, privateKey).equals(identitySeen)) {
        loadIdentity();
        log.info("TLS certificate {} reloaded: new connections present it", certChain);
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      log.warn("TLS certificate {} / key {} not reloaded, the previous pair keeps serving: {}", certChain,
          privateKey, e.getMessage());
    }
    try {
      if (trust != null && !contentHash(clientCa).equals(trustSeen)) {
        loadTrust();
        log.info("TLS client CA {} reloaded: new connections are checked against it", clientCa);
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      log.warn("TLS client CA {} not reloaded, the previous CA stays in force: {}", clientCa, e.getMessage());
    }
  }

  private void loadIdentity() throws IOException, GeneralSecurityException {
    String hash = contentHash(certChain, privateKey);
    identitySeen = hash; // a bad pair is reported once, not on every tick
    AdvancedTlsX509KeyManager probe = new AdvancedTlsX509KeyManager();
    probe.updateIdentityCredentials(certChain.toFile(), privateKey.toFile());
    X509Certificate[] chain = probe.getCertificateChain(ALIAS);
    PrivateKey key = probe.getPrivateKey(ALIAS);
    requireMatchingPair(chain, key);
    keys.updateIdentityCredentials(chain, key);
  }

  private void loadTrust() throws IOException, GeneralSecurityException {
    trustSeen = contentHash(clientCa);
    trust.updateTrustCredentials(clientCa.toFile());
  }

  /** Signs with the key and verifies with the certificate: proves they are one pair, whatever the algorithm. */
  private void requireMatchingPair(X509Certificate[] chain, PrivateKey key) throws GeneralSecurityException {
    if (chain == null || chain.length == 0) {
      throw new GeneralSecurityException(certChain + " holds no certificate");
    }
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new GeneralSecurityException("unsupported key algorithm " + key.getAlgorithm()
          + " in " + privateKey + "; use an RSA, EC or Ed25519 key");
    };
    byte[] challenge = "llmcap-tls-pair-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(chain[0].getPublicKey());
    verifier.update(challenge);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException("the key in " + privateKey + " does not belong to the certificate in "
          + certChain + " (a rotation half-way through?)");
    }
  }

  private static String contentHash(Path... files) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path file : files) {
        byte[] bytes = Files.readAllBytes(file);
        digest.update(bytes);
        Arrays.fill(bytes, (byte) 0);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static void requireReadable(Path file, String flag) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException(flag + " " + file.toAbsolutePath() + " is missing or unreadable");
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
