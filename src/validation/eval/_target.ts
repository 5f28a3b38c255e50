/** The axon under evaluation: its URL and hotkey checked up front, and reachability probed once. */
import { connect } from 'node:net';
import { RoadworkError } from '../../core/errors/index.js';
import { decodeHotkey, type AxonTarget } from '../../wire/protocol/index.js';

/** Parses `--axon http://HOST:PORT` and `--axon-hotkey`; fails with ERR_CONFIG_INVALID on either. */
export function parseAxonTarget(url: string, hotkey: string): AxonTarget & { ip: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl(url);
  }
  const port = Number(parsed.port);
  if (parsed.protocol !== 'http:' || parsed.hostname === '' || !Number.isInteger(port) || port < 1) {
    throw badUrl(url);
  }
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '') throw badUrl(url);
  const problem = decodeHotkey(hotkey);
  if (!(problem instanceof Uint8Array)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --axon-hotkey (${problem}): ${hotkey}. Give the miner's ss58 hotkey (prefix 42).`,
    );
  }
  return { ip: parsed.hostname.replace(/^\[|\]$/g, ''), port, hotkey };
}

function badUrl(url: string): RoadworkError {
  return new RoadworkError(
    'ERR_CONFIG_INVALID',
    `Invalid --axon URL: ${url}. Give http://HOST:PORT with an explicit port and no path, e.g. http://127.0.0.1:8091.`,
  );
}

/** Opens (and closes) one TCP connection, so an unreachable axon fails the run before it starts. */
export function probeAxon(target: { ip: string; port: number }, timeoutMs = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.ip, port: target.port });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new RoadworkError(
          'ERR_DENDRITE_TRANSPORT',
          `Cannot reach the axon at ${target.ip}:${target.port}: ${why}. Check the address and that the miner is running.`,
        ),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no connection within ${timeoutMs} ms`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}
