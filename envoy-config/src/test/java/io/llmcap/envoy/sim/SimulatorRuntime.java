package io.llmcap.envoy.sim;

import io.grpc.ManagedChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/** What a stream needs from the running simulator. */
interface SimulatorRuntime {

    SimulatorConfig config();

    SimulatorStats stats();

    /** The HTTP/2 channel to an ext_proc cluster; every call on it carries {@code authority}. */
    ManagedChannel channel(String cluster, String authority);

    InetSocketAddress clusterAddress(String cluster);

    Executor executor();
}
