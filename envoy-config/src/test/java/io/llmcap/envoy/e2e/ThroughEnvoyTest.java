package io.llmcap.envoy.e2e;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Base of the end-to-end tests: each test starts its own {@link LlmcapStack} with its caps file. */
abstract class ThroughEnvoyTest {
  @TempDir Path data;
  LlmcapStack stack;

  LlmcapStack start(String capsYaml) {
    stack = new LlmcapStack(capsYaml, data);
    return stack;
  }

  @AfterEach
  void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }
}
