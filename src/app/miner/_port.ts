/** Checks the axon's address before minutes of model loading, so a taken port fails at once and says so. */
import { createServer } from 'node:net';
import { RoadworkError } from '../../core/errors/index.js';

/**
 * Resolves when `host:port` can be listened on now (the probe is closed again at once); otherwise throws
 * the coded error `listenError()` gives. Port 0 (any free port) always can.
 */
export async function checkPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (err) {
    throw listenError(err, port, host);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** A listen failure as a coded error naming the address and the fix; other errors are returned as they are. */
export function listenError(err: unknown, port: number, host: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') {
    return new RoadworkError(
      'ERR_PORT_IN_USE',
      `Axon port is already in use: ${host}:${port}. Stop the process that holds it ` +
        `(\`ss -ltnp 'sport = :${port}'\` names it; often another miner), or serve on another port with ` +
        '--axon.port (MINER_AXON_PORT) and publish that one.',
      { cause: err },
    );
  }
  if (code === 'EACCES') {
    return new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Axon port needs root privileges: ${port}. Use a port from 1024 up with --axon.port (MINER_AXON_PORT).`,
      { cause: err },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Axon host is not an address of this machine: ${host}. Listen on all with --axon.host 0.0.0.0 ` +
        '(AXON_HOST), or give one of its addresses.',
      { cause: err },
    );
  }
  return err;
}
