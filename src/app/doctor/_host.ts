/** Check 8: room to work: free disk in the data folder and available memory. */
import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { expandHome } from '../../core/files/index.js';
import { result, type CheckResult } from './_types.js';

const GIB = 1024 ** 3;

/** How the host is measured; tests pass fixed numbers. */
export interface HostProbe {
  /** Free bytes for an unprivileged user on the file system holding `path`. */
  freeDisk(path: string): Promise<number>;
  /** Memory available to new processes, and the total. */
  memory(): { free: number; total: number };
}

/** The real host: `statfs` and `os.freemem()` (MemAvailable on Linux). */
export const realHost: HostProbe = Object.freeze({
  async freeDisk(path: string) {
    const s = await statfs(path);
    return s.bavail * s.bsize;
  },
  memory: () => ({ free: freemem(), total: totalmem() }),
});

/** Thresholds in bytes: below `fail` the check fails, below `warn` it warns. */
export const HOST_LIMITS = Object.freeze({
  disk: { fail: 1 * GIB, warn: 5 * GIB },
  memory: { fail: 0.5 * GIB, warn: 2 * GIB },
});

// The data folder may not exist before the first run: measure the nearest folder that does.
function existing(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;

/** Measures the data folder's disk and the memory. */
export async function checkHost(dataDir: string, probe: HostProbe = realHost): Promise<CheckResult> {
  const where = existing(expandHome(dataDir));
  const disk = await probe.freeDisk(where);
  const { free, total } = probe.memory();
  const data = { dataDir: where, diskFreeBytes: disk, memoryFreeBytes: free, memoryTotalBytes: total };
  const message = `${gib(disk)} free on the disk of ${where}; ${gib(free)} of ${gib(total)} memory available.`;
  const low = [
    disk < HOST_LIMITS.disk.fail || free < HOST_LIMITS.memory.fail ? 'fail' : '',
    disk < HOST_LIMITS.disk.warn || free < HOST_LIMITS.memory.warn ? 'warn' : '',
  ];
  const fix =
    `Keep at least ${gib(HOST_LIMITS.disk.warn)} free for models, caches and stores (data_dir) and ` +
    `${gib(HOST_LIMITS.memory.warn)} of memory for the runtimes.`;
  if (low[0]) return result('host', 'fail', message, { fix, data });
  if (low[1]) return result('host', 'warn', message, { fix, data });
  return result('host', 'ok', message, { data });
}
