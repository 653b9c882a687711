package io.llmcap.server.audit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit records as JSON lines in {@code file}, rotated by size: when the next record would take the
 * file past {@code maxBytes} it is renamed to {@code <file>.<UTC time>} and a new one is started.
 * Retention then deletes rotated files beyond the newest {@code maxRotated} and those last written
 * more than {@code maxAge} ago. The live file is never deleted.
 */
public final class JsonLinesAuditFile implements AuditSink {
  private static final Logger log = LoggerFactory.getLogger(JsonLinesAuditFile.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * @param maxBytes rotate before the file exceeds this size
   * @param maxRotated rotated files kept (0: none kept, the live file only)
   * @param maxAge rotated files older than this are deleted (null: no age limit)
   */
  public record Retention(long maxBytes, int maxRotated, Duration maxAge) {
    public Retention {
      if (maxBytes < 1024) {
        throw new IllegalArgumentException("audit files must be allowed at least 1 KiB, got " + maxBytes + " bytes");
      }
      if (maxRotated < 0) {
        throw new IllegalArgumentException("rotated audit files kept cannot be negative, got " + maxRotated);
      }
    }
  }

  private final Path file;
  private final Retention retention;
  private final Clock clock;
  private OutputStream out;
  private long size;

  public JsonLinesAuditFile(Path file, Retention retention, Clock clock) throws IOException {
    this.file = file.toAbsolutePath();
    this.retention = retention;
    this.clock = clock;
    Path dir = this.file.getParent();
    Files.createDirectories(dir);
    open();
  }

  private void open() throws IOException {
    out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
        StandardOpenOption.WRITE), 64 * 1024);
    size = Files.size(file);
  }

  @Override
  public void write(AuditRecord record) throws IOException {
    byte[] line = AuditJson.line(record);
    if (size > 0 && size + line.length > retention.maxBytes()) {
      rotate();
    }
    out.write(line);
    size += line.length;
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  private void rotate() throws IOException {
    out.close();
    Instant now = clock.instant();
    Path target = file.resolveSibling(file.getFileName() + "." + STAMP.format(now));
    for (int n = 1; Files.exists(target); n++) {
      target = file.resolveSibling(file.getFileName() + "." + STAMP.format(now) + "-" + n);
    }
    Files.move(file, target);
    Files.setLastModifiedTime(target, FileTime.from(now));
    open();
    applyRetention(now);
  }

  private void applyRetention(Instant now) {
    List<Path> rotated = rotatedFiles(file);
    int keep = retention.maxRotated();
    for (int i = 0; i < rotated.size(); i++) {
      Path p = rotated.get(i);
      boolean tooMany = i < rotated.size() - keep;
      boolean tooOld = false;
      try {
        tooOld = retention.maxAge() != null
            && Files.getLastModifiedTime(p).toInstant().isBefore(now.minus(retention.maxAge()));
      } catch (IOException e) {
        // gone already
      }
      if (tooMany || tooOld) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          log.warn("cannot delete the old audit file {}: {}", p, e.getMessage());
        }
      }
    }
  }

  /** The rotated files of {@code file}, oldest first (their names sort by time). */
  public static List<Path> rotatedFiles(Path file) {
    Path abs = file.toAbsolutePath();
    String prefix = abs.getFileName() + ".";
    try (Stream<Path> s = Files.list(abs.getParent())) {
      List<Path> out = new ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList());
      out.sort(Comparator.comparing(p -> p.getFileName().toString()));
      return out;
    } catch (IOException e) {
      return List.of();
    }
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  @Override
  public String toString() {
    return "audit file " + file;
  }
}
