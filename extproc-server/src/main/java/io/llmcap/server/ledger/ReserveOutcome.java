package io.llmcap.server.ledger;

import java.util.List;

/** The answer to a reservation: either every enforcing cap had room and all were reserved, or none was. */
public sealed interface ReserveOutcome {

  /**
   * @param caps status of every matched cap after the reservation (enforcing and shadow)
   * @param shadowWouldDeny shadow caps that lacked room: the call passes, but is reported
   */
  record Granted(List<CapStatus> caps, List<CapStatus> shadowWouldDeny) implements ReserveOutcome {}

  /**
   * Nothing was reserved.
   *
   * @param blocking the enforcing cap with the least room (the one named in the 429)
   * @param caps status of every matched cap (unchanged)
   */
  record Denied(CapStatus blocking, List<CapStatus> caps) implements ReserveOutcome {}
}
