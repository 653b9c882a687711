package io.llmcap.pricing;

/**
 * The route a call took to its model. The same model is priced under different catalog keys per
 * route (Gemini API {@code gemini/…}, Vertex bare ids, {@code azure/…}, Bedrock ids), so model
 * resolution looks under the route's own entries first.
 */
public enum PriceRoute {
  OPENAI,
  AZURE,
  ANTHROPIC,
  GEMINI,
  VERTEX,
  BEDROCK,
  MISTRAL,
  COHERE,
  /** An OpenAI-compatible server (vLLM, Ollama, Groq…): prices come from overrides. */
  OPENAI_COMPATIBLE
}
