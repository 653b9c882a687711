package io.llmcap.server.reload;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triggers {@link CapsReloader#reloadIfChanged()} when the caps file may have changed: on any event in the file's
 * directory (a ConfigMap update is a rename of the {@code ..data} symlink there, not a write to the file) and, as a
 * fallback, every poll interval, because directory watches miss symlink swaps on some filesystems and overlay
 * mounts. Both paths funnel into one thread, so reloads never race.
 */
public final class CapsFileWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CapsFileWatcher.class);

  private final ScheduledExecutorService checks;
  private final WatchService watchService;
  private final Thread watchThread;

  private CapsFileWatcher(ScheduledExecutorService checks, WatchService watchService, Thread watchThread) {
    this.checks = checks;
    this.watchService = watchService;
    this.watchThread = watchThread;
  }

  /**
   * Looks at the file once now (confirming the caps in force), then on every directory event and poll tick.
   *
   * @param pollInterval the fallback period; Kubernetes itself takes up to a minute or so to update a mount
   */
  public static CapsFileWatcher start(Path file, CapsReloader reloader, Duration pollInterval) {
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("the caps file poll interval must be positive, got " + pollInterval);
    }
    ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "llmcap-caps-reload");
      t.setDaemon(true);
      return t;
    });
    Runnable check = () -> {
      try {
        reloader.reloadIfChanged();
      } catch (RuntimeException e) {
        log.error("caps reload check failed; the caps in force are unchanged", e);
      }
    };
    checks.scheduleWithFixedDelay(check, 0, pollInterval.toMillis(), TimeUnit.MILLISECONDS);

    Path dir = file.toAbsolutePath().getParent();
    WatchService watchService = null;
    Thread watchThread = null;
    try {
      watchService = FileSystems.getDefault().newWatchService();
      dir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      WatchService service = watchService;
      watchThread = new Thread(() -> watch(service, checks, check), "llmcap-caps-watch");
      watchThread.setDaemon(true);
      watchThread.start();
    } catch (IOException | UnsupportedOperationException e) {
      log.warn("cannot watch {} ({}); relying on polling the caps file every {} ms", dir, e.toString(),
          pollInterval.toMillis());
    }
    return new CapsFileWatcher(checks, watchService, watchThread);
  }

  private static void watch(WatchService service, ScheduledExecutorService checks, Runnable check) {
    try {
      while (true) {
        WatchKey key = service.take();
        key.pollEvents();
        checks.execute(check);
        if (!key.reset()) {
          log.warn("the caps file's directory can no longer be watched; relying on polling");
          return;
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the check executor was shut down first
    }
  }

  @Override
  public void close() {
    checks.shutdownNow();
    if (watchService != null) {
      try {
        watchService.close();
      } catch (IOException e) {
        log.debug("closing the caps watch service: {}", e.toString());
      }
    }
    if (watchThread != null) {
      watchThread.interrupt();
    }
  }
}
