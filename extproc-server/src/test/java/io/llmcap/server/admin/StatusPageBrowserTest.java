package io.llmcap.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmcap.server.Engine;
import io.llmcap.server.cap.CapAction;
import io.llmcap.server.cap.CapInstance;
import io.llmcap.server.extproc.CallListener;
import io.llmcap.server.ledger.CapStatus;
import io.llmcap.server.testing.TestEngines;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real headless Chromium: its script must have fetched the caps and drawn the
 * bars, on a laptop-sized and a phone-sized window. Installs Debian's chromium when it is missing
 * and the test runs as root (as in CI); skips only when that is impossible.
 */
class StatusPageBrowserTest {
  private static final Clock CLOCK = Clock.systemUTC();
  private static Engine engine;
  private static AdminHttpServer admin;
  private static String chromium;

  @TempDir static Path dir;

  @BeforeAll
  static void start() throws Exception {
    chromium = findOrInstallChromium();
    engine = TestEngines.inMemory("""
        caps:
          - {name: org-daily, limitUsd: 10, window: day}
          - {name: per-service, limitUsd: 2, window: day, per: service}
          - {name: trial, limitUsd: 1, window: month, action: shadow}
        """, CLOCK);
    Instant dayStart = Instant.now().truncatedTo(ChronoUnit.DAYS);
    CapInstance org = new CapInstance("org-daily", "", "day", dayStart, dayStart.plus(1, ChronoUnit.DAYS),
        10_000_000_000L, CapAction.ENFORCE);
    CapInstance checkout = new CapInstance("per-service", "spiffe://cluster.local/ns/shop/sa/checkout", "day",
        dayStart, dayStart.plus(1, ChronoUnit.DAYS), 2_000_000_000L, CapAction.ENFORCE);
    engine.ledger().reserve("c1", List.of(org, checkout), 1_900_000_000L, CLOCK.instant());
    engine.ledger().settle("c1", 1_800_000_000L, CLOCK.instant());
    engine.ledger().reserve("c2", List.of(org), 2_000_000_000L, CLOCK.instant());
    RecentDenials denials = new RecentDenials(10);
    denials.decided(new CallListener.Decision(CLOCK.instant(), "call-42", "openai", "OPENAI_CHAT", "gpt-4o",
        "<script>alert(1)</script>", "fp", CallListener.Outcome.DENIED_CAP, 0, List.of(),
        List.of(), new CapStatus(checkout, 1_800_000_000L, 0), "cap 'per-service' lacks room for this call", 1000));
    admin = AdminHttpServer.start(new InetSocketAddress("127.0.0.1", 0), () -> engine, () -> true,
        new AdminFeatures(null, AdminToken.none(), denials));
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
      engine.ledger().close();
    }
  }

  private static String findOrInstallChromium() throws Exception {
    for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Assumptions.assumeTrue(root && Files.isExecutable(Path.of("/usr/bin/apt-get")),
        "chromium is not installed and cannot be installed here (needs root and apt-get): "
            + "install Debian's chromium package to run the status page browser test");
    Process p = new ProcessBuilder("sh", "-c",
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium")
        .redirectErrorStream(true).redirectOutput(dir.resolve("apt.log").toFile()).start();
    boolean done = p.waitFor(15, TimeUnit.MINUTES);
    Assumptions.assumeTrue(done && p.exitValue() == 0 && Files.isExecutable(Path.of("/usr/bin/chromium")),
        "installing chromium with apt-get failed; see " + dir.resolve("apt.log"));
    return "/usr/bin/chromium";
  }

  private static String runChromium(String window, String... action) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", "--hide-scrollbars",
        "--user-data-dir=" + Files.createTempDirectory(dir, "profile"), "--window-size=" + window,
        "--virtual-time-budget=4000"));
    cmd.addAll(List.of(action));
    cmd.add("http://127.0.0.1:" + admin.port() + "/");
    Path log = Files.createTempFile(dir, "chromium", ".log");
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    byte[] stdout = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish");
    assertEquals(0, p.exitValue(), () -> "chromium failed: " + read(log));
    return new String(stdout, StandardCharsets.UTF_8);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  void theScriptDrawsABarPerCapInstanceWithSpentAndReservedAndTheDenials() throws Exception {
    String dom = runChromium("1280,900", "--dump-dom");
    assertTrue(dom.contains("data-cap=\"org-daily\""), dom);
    assertTrue(dom.contains("data-cap=\"per-service\""), dom);
    assertTrue(dom.contains("data-cap=\"trial\""), "an untouched cap still gets its bar");
    Matcher bars = Pattern.compile("class=\"bar[ \"]").matcher(dom);
    int count = 0;
    while (bars.find()) {
      count++;
    }
    assertEquals(3, count, "one bar per cap instance, and one for the untouched cap");
    assertTrue(dom.contains("style=\"width: 18%;\""), "org-daily: 1.8 of 10 spent:\n" + dom);
    assertTrue(dom.contains("left: 18%; width: 20%;"), "org-daily: 2 of 10 reserved");
    assertTrue(dom.contains("style=\"width: 90%;\""), "checkout: 1.8 of 2 spent");
    assertTrue(dom.contains("class=\"bar warn\""), "90% is drawn as a warning");
    assertTrue(dom.contains("spiffe://cluster.local/ns/shop/sa/checkout"));
    assertTrue(dom.contains("resets in "), "window reset times are shown");
    assertTrue(dom.contains("denied cap") && dom.contains("lacks room"),
        "the recent denial is listed");
    assertTrue(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "caller data is shown as text, never as HTML");
  }

  @Test
  void theScreenshotsOnALaptopAndAPhoneShowTheBars() throws Exception {
    for (String window : List.of("1280,900", "390,844")) {
      Path png = dir.resolve("status-" + window.replace(',', 'x') + ".png");
      runChromium(window, "--screenshot=" + png);
      assertTrue(Files.size(png) > 5_000, "a screenshot was written: " + png);
      BufferedImage image = ImageIO.read(png.toFile());
      String[] size = window.split(",");
      assertEquals(Integer.parseInt(size[0]), image.getWidth());
      assertEquals(Integer.parseInt(size[1]), image.getHeight());
      Set<Integer> colours = new HashSet<>();
      int green = 0;
      for (int y = 0; y < image.getHeight(); y += 2) {
        for (int x = 0; x < image.getWidth(); x += 2) {
          int rgb = image.getRGB(x, y) & 0xFFFFFF;
          colours.add(rgb);
          int r = rgb >> 16 & 0xFF;
          int g = rgb >> 8 & 0xFF;
          int b = rgb & 0xFF;
          if (Math.abs(r - 0x2e) < 12 && Math.abs(g - 0x7d) < 12 && Math.abs(b - 0x32) < 12) {
            green++;
          }
        }
      }
      assertTrue(colours.size() > 20, "not a blank page: " + colours.size() + " colours in " + png);
      assertTrue(green > 50, "the spent part of a bar (green) is visible in " + png + ": " + green + " pixels");
      Files.copy(png, Path.of(System.getProperty("java.io.tmpdir"), "llmcap-" + png.getFileName()),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

}
