package io.llmcap.server.cap;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The caps of one caps file, answering which counters a call draws from. Immutable, thread-safe. */
public final class CapPolicy {
  private final List<CapDefinition> caps;
  private final CapDefinition[] all;
  private final CapDefinition[] modelIndependent;

  /** @throws IllegalArgumentException when two caps share a name */
  public CapPolicy(List<CapDefinition> caps) {
    this.caps = List.copyOf(caps);
    Set<String> names = new HashSet<>();
    for (CapDefinition cap : this.caps) {
      if (!names.add(cap.name())) {
        throw new IllegalArgumentException("two caps are named " + cap.name());
      }
    }
    this.all = this.caps.toArray(CapDefinition[]::new);
    this.modelIndependent =
        this.caps.stream().filter(c -> !c.dependsOnModel()).toArray(CapDefinition[]::new);
  }

  public List<CapDefinition> caps() {
    return caps;
  }

  /**
   * The counters a call draws from, in caps-file order, once the model is known. With a null
   * model, caps matching on a model pattern do not apply and {@code per: model} counts under
   * {@link Per#MISSING}.
   */
  public List<CapInstance> matching(CallAttributes call, Instant now) {
    return select(all, call, now);
  }

  /**
   * The headers-phase subset: only caps whose match and {@code per} do not need the model, so a
   * call can be refused before its body is read when one of them is already exhausted.
   */
  public List<CapInstance> matchingWithoutModel(CallAttributes call, Instant now) {
    return select(modelIndependent, call, now);
  }

  private static List<CapInstance> select(CapDefinition[] from, CallAttributes call, Instant now) {
    List<CapInstance> out = new ArrayList<>(from.length);
    for (CapDefinition cap : from) {
      if (cap.match().matches(call)) {
        out.add(cap.instanceFor(call, now));
      }
    }
    return out;
  }
}
