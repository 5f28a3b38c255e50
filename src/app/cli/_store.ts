// Opens the embedded store and the folders beside it for a CLI command, and closes it after.
import { join } from 'node:path';
import { dataPath } from '../../core/files/index.js';
import { systemClock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { openStore, storeFile, type Store } from '../../core/store/index.js';

/** The store and its sibling folders under `data_dir`. */
export interface StoreContext {
  readonly store: Store;
  /** `data_dir`, `~` expanded. */
  readonly dataDir: string;
  readonly imagesDir: string;
  readonly bundlesDir: string;
  readonly clock: ReturnType<typeof systemClock>;
}

/** Runs `fn` with the store open; the store is closed whatever happens. */
export async function withStore<T>(
  settings: Settings,
  fn: (ctx: StoreContext) => Promise<T> | T,
): Promise<T> {
  const dir = dataPath(settings.data_dir);
  const store = openStore(storeFile(dir));
  try {
    return await fn({
      store,
      dataDir: dir,
      imagesDir: join(dir, 'images'),
      bundlesDir: join(dir, 'bundles'),
      clock: systemClock(),
    });
  } finally {
    store.close();
  }
}
