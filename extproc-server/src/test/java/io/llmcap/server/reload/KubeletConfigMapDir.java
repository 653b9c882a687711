package io.llmcap.server.reload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A ConfigMap volume laid out and updated exactly as the kubelet's atomic writer does: the data lives in a
 * timestamped {@code ..<ts>} directory, {@code ..data} is a symlink to it, and each key is a symlink
 * {@code key -> ..data/key}. An update writes a new timestamped directory, points a temporary link at it, renames
 * that link over {@code ..data} in one atomic step, then deletes the old directory.
 */
final class KubeletConfigMapDir {
  private static final AtomicInteger GENERATION = new AtomicInteger();

  private final Path dir;
  private final String key;

  private KubeletConfigMapDir(Path dir, String key) {
    this.dir = dir;
    this.key = key;
  }

  static KubeletConfigMapDir create(Path dir, String key, String content) throws IOException {
    KubeletConfigMapDir volume = new KubeletConfigMapDir(dir, key);
    Path data = volume.writeGeneration(content);
    Files.createSymbolicLink(dir.resolve("..data"), data.getFileName());
    Files.createSymbolicLink(dir.resolve(key), Path.of("..data").resolve(key));
    return volume;
  }

  /** The path a pod reads: {@code <mount>/<key>}. */
  Path file() {
    return dir.resolve(key);
  }

  void update(String content) throws IOException {
    Path old = Files.readSymbolicLink(dir.resolve("..data"));
    Path fresh = writeGeneration(content);
    Path tmpLink = dir.resolve("..data_tmp");
    Files.createSymbolicLink(tmpLink, fresh.getFileName());
    Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    deleteTree(dir.resolve(old));
  }

  private Path writeGeneration(String content) throws IOException {
    Path generation = dir.resolve(String.format("..2026_11_23_10_00_00.%09d", GENERATION.incrementAndGet()));
    Files.createDirectory(generation);
    Files.writeString(generation.resolve(key), content, StandardCharsets.UTF_8);
    return generation;
  }

  private static void deleteTree(Path path) throws IOException {
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
