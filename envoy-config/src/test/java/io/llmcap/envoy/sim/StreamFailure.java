package io.llmcap.envoy.sim;

/**
 * Ends the HTTP stream the way Envoy's ext_proc filter does on an error: a local reply with {@code status} and
 * {@code details} while nothing went downstream yet, a stream reset after.
 */
final class StreamFailure extends Exception {

    private final int status;
    private final String details;

    StreamFailure(int status, String details) {
        super(status + " " + details, null, false, false);
        this.status = status;
        this.details = details;
    }

    int status() {
        return status;
    }

    String details() {
        return details;
    }
}
