/** Listening on a TCP port: a taken port fails at once, and every listen failure says which setting fixes it. */
import { createServer } from 'node:net';
import { RoadworkError } from '../errors/index.js';

/** What listens, in the words and flags its errors name. */
export interface Listener {
  /** `Axon`, `Web app`. */
  readonly name: string;
  /** The port's flag and environment name, e.g. `--axon.port (MINER_AXON_PORT)`. */
  readonly portFlag: string;
  /** How to listen on every address, e.g. `--axon.host 0.0.0.0 (AXON_HOST)`. */
  readonly allHosts: string;
  /** Said after "Stop the process that holds it (…), or …": the other way out. */
  readonly otherPort: string;
}

/** The miner's axon. */
export const AXON_LISTENER: Listener = Object.freeze({
  name: 'Axon',
  portFlag: '--axon.port (MINER_AXON_PORT)',
  allHosts: '--axon.host 0.0.0.0 (AXON_HOST)',
  otherPort: 'serve on another port with --axon.port (MINER_AXON_PORT) and publish that one',
});

/**
 * Resolves when `host:port` can be listened on now (the probe is closed again at once); otherwise throws
 * the coded error `listenError()` gives. Port 0 (any free port) always can.
 */
export async function checkPortFree(
  port: number,
  host: string,
  listener: Listener = AXON_LISTENER,
): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (err) {
    throw listenError(err, port, host, listener);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** A listen failure as a coded error naming the address and the fix; other errors are returned as they are. */
export function listenError(
  err: unknown,
  port: number,
  host: string,
  listener: Listener = AXON_LISTENER,
): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const { name } = listener;
  if (code === 'EADDRINUSE') {
    return new RoadworkError(
      'ERR_PORT_IN_USE',
      `${name} port is already in use: ${host}:${port}. Stop the process that holds it ` +
        `(\`ss -ltnp 'sport = :${port}'\` names it; often another miner), or ${listener.otherPort}.`,
      { cause: err },
    );
  }
  if (code === 'EACCES') {
    return new RoadworkError(
      'ERR_CONFIG_INVALID',
      `${name} port needs root privileges: ${port}. Use a port from 1024 up with ${listener.portFlag}.`,
      { cause: err },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new RoadworkError(
      'ERR_CONFIG_INVALID',
      `${name} host is not an address of this machine: ${host}. Listen on all with ${listener.allHosts}, ` +
        'or give one of its addresses.',
      { cause: err },
    );
  }
  return err;
}
