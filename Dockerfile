# LLMCap server image: the shaded jar on a JRE, run as a non-root user.
#   ./mvnw -B -pl extproc-server -am package -DskipTests
#   docker build -t ghcr.io/llmcap/llmcap:0.1.0 .
# The Kubernetes manifests (k8s/) reference ghcr.io/llmcap/llmcap:0.1.0; push
# the image under your own registry and change the tag in
# k8s/base/deployment.yaml if you build it yourself.
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 llmcap \
 && useradd --system --uid 10001 --gid llmcap --home-dir /var/lib/llmcap --shell /usr/sbin/nologin llmcap \
 && mkdir -p /var/lib/llmcap /etc/llmcap \
 && chown llmcap:llmcap /var/lib/llmcap
COPY extproc-server/target/llmcap.jar /opt/llmcap/llmcap.jar
USER 10001:10001
WORKDIR /var/lib/llmcap
# 50051: gRPC (ext_proc, ext_authz, health); 9090: admin HTTP (/healthz, /readyz, /v1/caps).
EXPOSE 50051 9090
# MaxTenuringThreshold=1: a call's objects die within the call; what outlives one young collection
# (the memory store's ended-call ids, kept for the hold TTL) is promoted at once instead of being
# copied between survivor spaces up to 15 times, which was most of each young pause (BENCHMARKS.md).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:MaxTenuringThreshold=1", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/llmcap/llmcap.jar"]
CMD ["serve", "--config=/etc/llmcap/caps.yaml"]
