package io.llmcap.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Representative OpenAI chat traffic: request bodies of a chosen size, a non-streamed response with usage, and a
 * streamed response cut into SSE chunks the way the provider sends them (one delta per chunk, usage last).
 */
public final class Bodies {
  /** Prose rather than one repeated character: tokenizers merge long runs, which would flatter the exact count. */
  private static final String PROSE = "The quarterly report shows revenue grew eleven percent while operating costs "
      + "fell; the board asks whether the new pricing tiers explain the change, and which regions drove it. ";

  private Bodies() {}

  /** A chat completion request whose JSON is {@code bytes} long (give or take a few bytes), non-streamed. */
  public static byte[] chatRequest(int bytes, boolean stream) {
    String head = "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":512,"
        + (stream ? "\"stream\":true," : "")
        + "\"messages\":[{\"role\":\"system\",\"content\":\"You are a careful financial analyst.\"},"
        + "{\"role\":\"user\",\"content\":\"";
    String tail = "\"}],\"temperature\":0.2}";
    int room = Math.max(16, bytes - head.length() - tail.length());
    StringBuilder text = new StringBuilder(room);
    while (text.length() < room) {
      text.append(PROSE, 0, Math.min(PROSE.length(), room - text.length()));
    }
    return (head + text + tail).getBytes(StandardCharsets.UTF_8);
  }

  /** The provider's non-streamed answer, with usage. */
  public static byte[] chatResponse() {
    return ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Revenue grew on the new tiers.\"},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":420,\"completion_tokens\":64,\"total_tokens\":484,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A streamed answer in {@code chunks} SSE chunks: deltas, then the usage chunk that {@code stream_options.include_usage}
   * asks for, then {@code [DONE]} (both in the last chunk, as providers often flush them together).
   */
  public static List<byte[]> sseChunks(int chunks) {
    List<byte[]> out = new ArrayList<>(chunks);
    for (int i = 0; i < chunks - 1; i++) {
      out.add(("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,"
          + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word" + i
          + "\"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8));
    }
    out.add(("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":420,"
        + "\"completion_tokens\":" + (chunks - 1) + ",\"total_tokens\":" + (420 + chunks - 1) + "}}\n\n"
        + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
    return out;
  }
}
