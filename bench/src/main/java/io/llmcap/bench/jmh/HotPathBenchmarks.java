package io.llmcap.bench.jmh;

import io.llmcap.bench.Bodies;
import io.llmcap.pricing.CostCalculator;
import io.llmcap.pricing.InputTokenBound;
import io.llmcap.pricing.ModelPrice;
import io.llmcap.pricing.PriceCatalog;
import io.llmcap.pricing.PriceRoute;
import io.llmcap.pricing.TokenCounter;
import io.llmcap.pricing.TokenCounters;
import io.llmcap.pricing.Usage;
import io.llmcap.server.provider.ApiRoute;
import io.llmcap.server.provider.ParsedRequest;
import io.llmcap.server.provider.ProviderRegistry;
import io.llmcap.server.provider.SseEventReader;
import io.llmcap.server.provider.UsageParser;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The functions on LLMCap's decision path, one at a time, on the same bodies the load benchmark sends: pricing, the
 * input token bound (exact tokenizer on 2 KB, byte bound past 32K chars on 1 MB), request parsing, and usage parsing
 * of a 200-chunk stream.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@State(Scope.Thread)
public class HotPathBenchmarks {
  private ModelPrice price;
  private Usage usage;
  private TokenCounter counter;
  private List<String> text2k;
  private List<String> text1m;
  private ApiRoute route;
  private byte[] body2k;
  private byte[] body1m;
  private ParsedRequest streamedRequest;
  private List<byte[]> chunks;

  @Setup
  public void setUp() throws Exception {
    price = PriceCatalog.bundled().resolve(PriceRoute.OPENAI, "gpt-4o-mini");
    usage = Usage.builder().input(420).cacheRead(128).output(512).build();
    counter = TokenCounters.forModel(PriceRoute.OPENAI, price);
    TokenCounters.warmUp();
    text2k = List.of(prompt(2 * 1024));
    text1m = List.of(prompt(1024 * 1024));
    route = ProviderRegistry.standard().identify("api.openai.com", "/v1/chat/completions", "openai").orElseThrow();
    body2k = Bodies.chatRequest(2 * 1024, false);
    body1m = Bodies.chatRequest(1024 * 1024, false);
    streamedRequest = route.api().parseRequest(route, Bodies.chatRequest(2 * 1024, true));
    chunks = Bodies.sseChunks(200);
  }

  private static String prompt(int bytes) {
    byte[] body = Bodies.chatRequest(bytes, false);
    String json = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    int start = json.lastIndexOf("\"content\":\"") + 11;
    return json.substring(start, json.indexOf('"', start));
  }

  @Benchmark
  public long costOfUsage() throws Exception {
    return CostCalculator.cost(price, usage);
  }

  @Benchmark
  public long boundBeforeTheCall() throws Exception {
    return CostCalculator.bound(price, 640, 512, true);
  }

  @Benchmark
  public long inputTokenBound2k() {
    return InputTokenBound.upperBound(counter, text2k, 2, 0, price);
  }

  /** What a strict reservation counts first: the quick (UTF-8 byte) bound of the same texts. */
  @Benchmark
  public long inputTokenQuickBound2k() {
    return InputTokenBound.upperBound(counter.quickBound(), text2k, 2, 0, price);
  }

  @Benchmark
  public long inputTokenQuickBound1m() {
    return InputTokenBound.upperBound(counter.quickBound(), text1m, 2, 0, price);
  }

  @Benchmark
  public long inputTokenBound1m() {
    return InputTokenBound.upperBound(counter, text1m, 2, 0, price);
  }

  @Benchmark
  public ParsedRequest parseRequest2k() throws Exception {
    return route.api().parseRequest(route, body2k);
  }

  @Benchmark
  public ParsedRequest parseRequest1m() throws Exception {
    return route.api().parseRequest(route, body1m);
  }

  /** The SSE framing alone: 200 chunks into events. */
  @Benchmark
  public void sseReader200Chunks(Blackhole bh) {
    SseEventReader reader = new SseEventReader(bh::consume, 1 << 20);
    for (byte[] chunk : chunks) {
      reader.feed(chunk);
    }
    reader.end();
  }

  /** What a streamed response costs to meter: 200 chunks through OpenAI's usage parser, then its snapshot. */
  @Benchmark
  public Object usageParser200Chunks() {
    UsageParser parser = route.api().newUsageParser(route, streamedRequest);
    parser.onResponseHeaders(200, "text/event-stream");
    for (byte[] chunk : chunks) {
      parser.onBody(chunk);
    }
    parser.onEnd();
    return parser.snapshot();
  }
}
