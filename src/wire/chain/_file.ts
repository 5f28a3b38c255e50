/** Reading and atomically writing the metagraph JSON file (the static source and the live cache). */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { makeDir } from '../../core/files/index.js';
import { validateMetagraphFile, type MetagraphFileData } from './_validate.js';
import type { Metagraph, Neuron } from './types.js';

export type { MetagraphFileData } from './_validate.js';

/** Reads and validates a metagraph file; throws `ERR_METAGRAPH_FILE` naming the problem. */
export async function readMetagraphFile(file: string): Promise<MetagraphFileData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new RoadworkError(
      'ERR_METAGRAPH_FILE',
      `Cannot read the metagraph file: ${file} (${reason}). Check the path (metagraph.file).`,
      { cause: err },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new RoadworkError(
      'ERR_METAGRAPH_FILE',
      `Metagraph file ${file} is not valid JSON: ${(err as Error).message}. Fix the syntax.`,
      { cause: err },
    );
  }
  return validateMetagraphFile(data, file);
}

function neuronJson(n: Neuron): string {
  return JSON.stringify({
    uid: n.uid,
    hotkey: n.hotkey,
    stake: n.stake,
    validator_permit: n.validatorPermit,
    axon: n.axon ? { ip: n.axon.ip, port: n.axon.port } : null,
  });
}

/** The file text of a metagraph: one neuron a line, so diffs and greps stay readable. */
export function formatMetagraphFile(metagraph: Metagraph): string {
  const neurons = metagraph.neurons.map((n) => `    ${neuronJson(n)}`).join(',\n');
  return (
    `{\n  "netuid": ${metagraph.netuid},\n  "block": ${metagraph.block},\n` +
    `  "fetched_at_ms": ${Math.trunc(metagraph.fetchedAtMs)},\n` +
    `  "neurons": [${neurons ? `\n${neurons}\n  ` : ''}]\n}\n`
  );
}

/**
 * Writes a metagraph file atomically (a temporary file in the same folder, synced, then renamed), so a
 * crash mid-write leaves the previous file whole. Creates the folder when missing.
 */
export async function writeMetagraphFile(file: string, metagraph: Metagraph): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await makeDir(dirname(file));
    const handle = await open(tmp, 'w', 0o644);
    try {
      await handle.writeFile(formatMetagraphFile(metagraph), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new RoadworkError(
      'ERR_METAGRAPH_FILE',
      `Cannot write the metagraph file: ${file} (${(err as Error).message}). Check the folder is writable.`,
      { cause: err },
    );
  }
}
