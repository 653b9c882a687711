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
  private final LimitOverrides overrides = new LimitOverrides();

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

  /** The cap of that name in this policy. */
  public java.util.Optional<CapDefinition> cap(String name) {
    for (CapDefinition cap : all) {
      if (cap.name().equals(name)) {
        return java.util.Optional.of(cap);
      }
    }
    return java.util.Optional.empty();
  }

  /** The limit a cap has now: a run-time override (see {@link #overrideLimit}) or the caps file's. */
  public long limitOf(CapDefinition cap) {
    return overrides.limitOf(cap);
  }

  /** @return the run-time override of the cap's limit, or null when it has the caps file's limit */
  public Long limitOverride(String capName) {
    return overrides.overrideOf(capName);
  }

  /**
   * Gives a cap another limit until this policy is replaced (the next config change). Calls
   * already holding a reservation keep it; new calls see the new limit at once.
   *
   * @throws IllegalArgumentException when no cap has that name or the limit is not positive
   */
  public void overrideLimit(String capName, long limitNanos) {
    if (cap(capName).isEmpty()) {
      throw new IllegalArgumentException("no cap is named " + capName);
    }
    overrides.set(capName, limitNanos);
  }

  /** Returns a cap to its caps-file limit; false when it had no override. */
  public boolean clearLimitOverride(String capName) {
    return overrides.clear(capName);
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

  private List<CapInstance> select(CapDefinition[] from, CallAttributes call, Instant now) {
    List<CapInstance> out = new ArrayList<>(from.length);
    for (CapDefinition cap : from) {
      if (cap.match().matches(call)) {
        out.add(cap.instanceFor(call, now, overrides.limitOf(cap)));
      }
    }
    return out;
  }
}
