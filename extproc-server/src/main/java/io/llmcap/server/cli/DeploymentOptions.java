package io.llmcap.server.cli;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerBuilder;
import io.llmcap.server.LlmcapServer;
import io.llmcap.server.reload.CapsFileWatcher;
import io.llmcap.server.reload.CapsReloader;
import io.llmcap.server.reload.ReloadListener;
import io.llmcap.server.tls.ServerTls;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code serve} options for running in a cluster: caps-file hot reload and TLS on the gRPC port. Owns what they
 * start (the file watcher, the TLS refresher) until {@link #close()}.
 */
final class DeploymentOptions implements AutoCloseable {

  @Option(names = "--watch-config", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Reload the --config file when it changes (a ConfigMap update); an invalid file is refused and "
          + "the last good caps stay in force (default: ${DEFAULT-VALUE}).")
  boolean watchConfig;

  @Option(names = "--config-poll-interval", defaultValue = "5s", converter = DurationConverter.class,
      description = "How often the caps file is re-checked besides directory events, which miss symlink swaps on "
          + "some filesystems (default: ${DEFAULT-VALUE}).")
  Duration configPollInterval;

  @Option(names = "--tls-cert", paramLabel = "cert.pem",
      description = "PEM certificate chain for TLS on the gRPC port (with --tls-key). Re-read when it changes.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "key.pem",
      description = "PEM PKCS#8 private key of --tls-cert. Re-read when it changes.")
  Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "ca.pem",
      description = "PEM CA bundle: require clients (Envoy) to present a certificate it signed (mutual TLS).")
  Path tlsClientCa;

  @Option(names = "--tls-refresh-interval", defaultValue = "1m", converter = DurationConverter.class,
      description = "How often the TLS files are checked for rotation (default: ${DEFAULT-VALUE}).")
  Duration tlsRefreshInterval;

  private ServerTls tls;
  private CapsFileWatcher watcher;

  /** The gRPC server builder for {@code port}: TLS or mutual TLS when the flags ask for it, else plaintext. */
  ServerBuilder<?> grpcServerBuilder(int port) throws IOException, GeneralSecurityException {
    if (tlsCert == null && tlsKey == null) {
      if (tlsClientCa != null) {
        throw new IllegalArgumentException("--tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS first");
      }
      return Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create());
    }
    if (tlsCert == null || tlsKey == null) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together");
    }
    tls = ServerTls.fromFiles(tlsCert, tlsKey, tlsClientCa, tlsRefreshInterval);
    return Grpc.newServerBuilderForPort(port, tls.credentials());
  }

  /** What the gRPC port speaks, for the start-up log line. */
  String transport() {
    return tls == null ? "plaintext" : tls.mutual() ? "mutual TLS" : "TLS";
  }

  /** Starts watching the caps file, when one was given and watching is on; reports refusals in /readyz. */
  void watchCaps(Path capsFile, LlmcapServer server, ReloadListener listener) {
    if (capsFile == null || !watchConfig) {
      return;
    }
    CapsReloader reloader = new CapsReloader(capsFile, server, listener, Clock.systemUTC());
    server.readinessDetail(reloader::readinessDetail);
    watcher = CapsFileWatcher.start(capsFile, reloader, configPollInterval);
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.close();
    }
    if (tls != null) {
      tls.close();
    }
  }
}
