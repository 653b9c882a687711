package io.llmcap.server.ledger.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EndedCallMemoryTest {
  private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

  @Test
  void remembersUntilForgetAtAndForgetsTheOldestWhenFull() {
    EndedCallMemory memory = new EndedCallMemory(3);
    memory.add("a", T0.plusSeconds(10));
    memory.add("b", T0.plusSeconds(20));
    memory.add("c", T0.plusSeconds(30));
    assertTrue(memory.contains("a") && memory.contains("b") && memory.contains("c"));
    assertFalse(memory.contains("d"));
    memory.add("d", T0.plusSeconds(40));
    assertFalse(memory.contains("a"), "full: the oldest is forgotten");
    assertEquals(3, memory.size());
    memory.forgetUntil(T0.plusSeconds(20));
    assertFalse(memory.contains("b"), "its time came");
    assertTrue(memory.contains("c") && memory.contains("d"));
    memory.forgetUntil(T0.plusSeconds(19));
    assertEquals(2, memory.size());
  }

  /** Against the LinkedHashMap it replaced, over random adds, lookups and expiries that wrap the ring many times. */
  @Test
  void behavesLikeAnInsertionOrderedMapBoundedToItsCapacity() {
    int capacity = 257;
    EndedCallMemory memory = new EndedCallMemory(capacity);
    LinkedHashMap<String, Instant> model = new LinkedHashMap<>();
    Random random = new Random(7);
    Instant now = T0;
    for (int step = 0; step < 200_000; step++) {
      int op = random.nextInt(10);
      if (op < 5) {
        String id = "inst-" + random.nextInt(5_000);
        Instant forgetAt = now.plusMillis(1 + random.nextInt(5_000));
        if (!model.containsKey(id)) {
          model.put(id, forgetAt);
          if (model.size() > capacity) {
            Iterator<String> oldest = model.keySet().iterator();
            oldest.next();
            oldest.remove();
          }
        }
        memory.add(id, forgetAt);
      } else if (op < 9) {
        String id = "inst-" + random.nextInt(5_000);
        assertEquals(model.containsKey(id), memory.contains(id), "step " + step + " id " + id);
      } else {
        now = now.plusMillis(random.nextInt(400));
        for (Iterator<Map.Entry<String, Instant>> it = model.entrySet().iterator(); it.hasNext(); ) {
          if (it.next().getValue().isAfter(now)) {
            break;
          }
          it.remove();
        }
        memory.forgetUntil(now);
      }
      assertEquals(model.size(), memory.size(), "step " + step);
    }
  }

  @Test
  void distinctIdsHaveDistinctHashes() {
    java.util.HashSet<Long> seen = new java.util.HashSet<>();
    for (int i = 0; i < 200_000; i++) {
      assertTrue(seen.add(EndedCallMemory.hashA("a1b2c3d4-" + i)), "hashA collision at " + i);
    }
    assertTrue(EndedCallMemory.hashB("ab") != EndedCallMemory.hashB("ba"));
  }
}
