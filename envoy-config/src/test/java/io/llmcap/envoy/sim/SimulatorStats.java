package io.llmcap.envoy.sim;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What tests can observe about the simulator's work, like Envoy's stats and access log. */
public final class SimulatorStats {

    /** A reply Envoy generated itself; {@code viaFilterChain} when it also went through ext_proc's encode path. */
    public record LocalReply(int status, String details, HeaderMap headers, byte[] body, boolean viaFilterChain) {
        public String bodyText() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** A request as the router sent it upstream, after rewrites and ext_proc mutations. */
    public record UpstreamRequest(String cluster, String method, String path, HeaderMap headers, byte[] body) {
        public String bodyText() {
            return body == null ? "" : new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    final AtomicInteger extProcCalls = new AtomicInteger();
    final AtomicLong rejectedHeaderMutations = new AtomicLong();
    final AtomicInteger downstreamResets = new AtomicInteger();
    final AtomicInteger streamsFinished = new AtomicInteger();
    final List<LocalReply> localReplies = new CopyOnWriteArrayList<>();
    final List<UpstreamRequest> upstreamRequests = new CopyOnWriteArrayList<>();
    final List<ExtProcCall.Ending> callEndings = new CopyOnWriteArrayList<>();

    /**
     * How each ext_proc call was ended by the simulator, in order: {@code HALF_CLOSE_THEN_CANCEL} (Envoy's close)
     * or {@code CANCEL} (downstream reset). A server may see only the cancel: gRPC drops a half-close that the
     * reset overtakes.
     */
    public List<String> callEndings() {
        return callEndings.stream().map(Enum::name).toList();
    }

    /** gRPC ext_proc calls opened (one per HTTP request that needed one). */
    public int extProcCalls() {
        return extProcCalls.get();
    }

    /** Header mutations ignored under the mutation rules (Envoy's {@code rejected_header_mutations}). */
    public long rejectedHeaderMutations() {
        return rejectedHeaderMutations.get();
    }

    /** Client connections aborted because a failure came after response headers went downstream. */
    public int downstreamResets() {
        return downstreamResets.get();
    }

    public List<LocalReply> localReplies() {
        return List.copyOf(localReplies);
    }

    public Optional<LocalReply> lastLocalReply() {
        List<LocalReply> all = localReplies();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public List<UpstreamRequest> upstreamRequests() {
        return List.copyOf(upstreamRequests);
    }

    /** HTTP streams whose processing has fully ended (ext_proc call closed, upstream released). */
    public int streamsFinished() {
        return streamsFinished.get();
    }

    /** Waits until {@code count} streams have finished, since a client may see its response before the close. */
    public void awaitStreamsFinished(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (streamsFinished) {
            while (streamsFinished.get() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("only " + streamsFinished.get() + " of " + count
                            + " streams finished within " + timeout);
                }
                streamsFinished.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    void streamFinished() {
        synchronized (streamsFinished) {
            streamsFinished.incrementAndGet();
            streamsFinished.notifyAll();
        }
    }
}
