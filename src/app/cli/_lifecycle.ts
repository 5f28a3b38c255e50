/** Process lifecycle for long-running commands: start, then stop in order on SIGINT/SIGTERM. */
import type { Logger } from 'pino';

/** Starts, waits for a signal, stops once (a second signal exits at once), flushes the log. */
export async function runUntilSignal(
  logger: Logger,
  start: () => Promise<unknown>,
  stop: () => Promise<void>,
): Promise<void> {
  let stopping = false;
  const done = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'Second signal: exiting without waiting');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'Shutting down: finishing in-flight requests');
      stop()
        .catch((err) => logger.error({ err }, 'Error during shutdown'))
        .finally(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  try {
    await start();
  } catch (err) {
    // A signal during start-up: the stop it began is the way out, not an error.
    if (stopping) {
      await done;
      logger.flush();
      return;
    }
    await stop().catch(() => undefined);
    throw err;
  }
  await done;
  logger.flush();
}
