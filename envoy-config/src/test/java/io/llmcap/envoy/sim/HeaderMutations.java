package io.llmcap.envoy.sim;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies an ext_proc {@link HeaderMutation} with Envoy's default mutation rules (envoy-ext-proc.md §6): only
 * {@code raw_value} is read, {@code append} (default false) decides overwrite vs add, {@code append_action} and
 * {@code keep_empty_value} are ignored, routing and {@code x-envoy-*} headers are silently refused.
 */
final class HeaderMutations {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderMutations.class);

    private final ExtProcSettings.MutationRules rules;
    private final long maxHeaders;
    private final long maxHeaderBytes;
    private final AtomicLong rejected;

    HeaderMutations(ExtProcSettings.MutationRules rules, long maxHeaders, long maxHeaderBytes, AtomicLong rejected) {
        this.rules = rules;
        this.maxHeaders = maxHeaders;
        this.maxHeaderBytes = maxHeaderBytes;
        this.rejected = rejected;
    }

    /**
     * @param contentLengthSettable false where Envoy skips {@code set_headers} of content-length (streamed modes)
     * @param responseDirection whether {@code :status} may be set
     * @throws StreamFailure 500 for an invalid mutation, whatever {@code failure_mode_allow} says
     */
    void apply(HeaderMutation mutation, HeaderMap headers, boolean contentLengthSettable, boolean responseDirection)
            throws StreamFailure {
        if (mutation.getSetHeadersCount() + mutation.getRemoveHeadersCount() > maxHeaders) {
            throw invalid("too many header mutations");
        }
        for (String name : mutation.getRemoveHeadersList()) {
            String key = name.toLowerCase(Locale.ROOT);
            if (key.startsWith(":") || key.equals("host")) {
                refuse("remove " + key);
                continue;
            }
            if (key.startsWith("x-envoy-") && !rules.allowEnvoy()) {
                refuse("remove " + key);
                continue;
            }
            headers.remove(key);
        }
        for (HeaderValueOption option : mutation.getSetHeadersList()) {
            String key = option.getHeader().getKey().toLowerCase(Locale.ROOT);
            if (!option.getHeader().getValue().isEmpty() && !option.getHeader().getRawValue().isEmpty()) {
                throw invalid("header " + key + " sets both value and raw_value");
            }
            String value = option.getHeader().getRawValue().toString(StandardCharsets.UTF_8);
            if (!validName(key) || !validValue(value)) {
                throw invalid("header " + key + " has an invalid name or value");
            }
            boolean append = option.hasAppend() && option.getAppend().getValue();
            if (!allowed(key, append, responseDirection, value)) {
                refuse((append ? "append " : "set ") + key);
                continue;
            }
            if (key.equals("content-length") && !contentLengthSettable) {
                continue;
            }
            if (append) {
                headers.add(key, value);
            } else {
                headers.set(key, value);
            }
        }
        if (headers.size() > maxHeaders || headers.byteSize() > maxHeaderBytes) {
            throw invalid("mutated headers exceed the header count or size limit");
        }
    }

    private boolean allowed(String key, boolean append, boolean responseDirection, String value) {
        if (key.startsWith(":") && append) {
            return false;
        }
        if (key.equals("host") || key.equals(":authority") || key.equals(":method") || key.equals(":scheme")) {
            return rules.allowAllRouting();
        }
        if (key.equals(":status")) {
            if (!responseDirection) {
                return false;
            }
            try {
                return Integer.parseInt(value) >= 200;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (key.startsWith(":") && !key.equals(":path")) {
            return false;
        }
        return !key.startsWith("x-envoy-") || rules.allowEnvoy();
    }

    private void refuse(String what) throws StreamFailure {
        rejected.incrementAndGet();
        if (rules.disallowIsError()) {
            throw invalid("header mutation refused by mutation_rules: " + what);
        }
        LOG.debug("ext_proc header mutation ignored by mutation rules: {}", what);
    }

    private static boolean validName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = name.startsWith(":") ? 1 : 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean validValue(String value) {
        return value.indexOf('\r') < 0 && value.indexOf('\n') < 0 && value.indexOf('\0') < 0;
    }

    static StreamFailure invalid(String why) {
        return new StreamFailure(500, "ext_proc_error_invalid_mutation{" + why + "}");
    }
}
