package io.llmcap.envoy.sim;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * An ordered header multimap with lower-case names, as Envoy's HeaderMap holds it: pseudo-headers first,
 * duplicates kept as separate entries in arrival order.
 */
public final class HeaderMap {

    public record Entry(String name, String value) {
    }

    private final List<Entry> entries = new ArrayList<>();

    public HeaderMap copy() {
        HeaderMap copy = new HeaderMap();
        copy.entries.addAll(entries);
        return copy;
    }

    public void add(String name, String value) {
        entries.add(new Entry(name.toLowerCase(Locale.ROOT), value));
    }

    /** Replaces every entry of the name by one entry, keeping the position of the first. */
    public void set(String name, String value) {
        String key = name.toLowerCase(Locale.ROOT);
        int first = -1;
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).name().equals(key)) {
                first = i;
                break;
            }
        }
        remove(key);
        Entry entry = new Entry(key, value);
        if (first < 0 || first > entries.size()) {
            entries.add(entry);
        } else {
            entries.add(first, entry);
        }
    }

    public void remove(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        entries.removeIf(e -> e.name().equals(key));
    }

    public Optional<String> get(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        return entries.stream().filter(e -> e.name().equals(key)).map(Entry::value).findFirst();
    }

    public List<String> getAll(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        return entries.stream().filter(e -> e.name().equals(key)).map(Entry::value).toList();
    }

    public boolean contains(String name) {
        return get(name).isPresent();
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public int size() {
        return entries.size();
    }

    /** Total bytes of names and values, as Envoy counts them against {@code max_request_headers_kb}. */
    public long byteSize() {
        return entries.stream().mapToLong(e -> e.name().length() + e.value().length()).sum();
    }

    /** Envoy's wire form for ext_proc: {@code raw_value} only, never {@code value}. */
    public io.envoyproxy.envoy.config.core.v3.HeaderMap toProto() {
        io.envoyproxy.envoy.config.core.v3.HeaderMap.Builder proto = io.envoyproxy.envoy.config.core.v3.HeaderMap.newBuilder();
        for (Entry e : entries) {
            proto.addHeaders(HeaderValue.newBuilder()
                    .setKey(e.name())
                    .setRawValue(ByteString.copyFromUtf8(e.value())));
        }
        return proto.build();
    }

    /** Lower-case name to all values, for assertions. */
    public Map<String, List<String>> asMap() {
        Map<String, List<String>> map = new java.util.LinkedHashMap<>();
        for (Entry e : entries) {
            map.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(e.value());
        }
        return map;
    }

    @Override
    public String toString() {
        return entries.toString();
    }
}
