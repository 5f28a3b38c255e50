/** Step 5, body: read with a hard size limit (never buffering past it) and the caller's deadline, then parsed. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';
import { parseJsonBody } from './_synapse-json.js';

/** Where a body comes from: the request (or, in tests, any stream with its headers). */
export type BodySource = Readable & { readonly headers: IncomingHttpHeaders };

/** The body, parsed, and how long it took to arrive and parse, ms. */
export interface Received {
  readonly synapse: Record<string, unknown>;
  readonly receiveMs: number;
}

/** Reads and parses the synapse body; rejects with a coded error (413, 400, or 408 on `signal`). */
export async function receiveBody(
  source: BodySource,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Received> {
  const t = performance.now();
  const synapse = parseSynapseBody(await readBody(source, maxBytes, signal));
  return { synapse, receiveMs: performance.now() - t };
}

/** Resolves with the body; rejects with ERR_BODY_TOO_LARGE as soon as the limit is crossed. */
export function readBody(source: BodySource, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const declared = source.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(tooLarge(Number(declared), maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        source.pause();
        reject(tooLarge(size, maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(
        new RoadworkError('ERR_BODY_INVALID_JSON', `Request body could not be read: ${err.message}`, {
          cause: err,
        }),
      );
    };
    const onAbort = () => {
      cleanup();
      reject(new RoadworkError('ERR_DEADLINE_EXCEEDED', 'Request body did not arrive before the deadline'));
    };
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses the body as a synapse object, or throws ERR_BODY_INVALID_JSON. */
export function parseSynapseBody(body: Buffer): Record<string, unknown> {
  let data: unknown;
  try {
    data = parseJsonBody(body);
  } catch (err) {
    if (isRoadworkError(err)) throw err;
    throw new RoadworkError(
      'ERR_BODY_INVALID_JSON',
      `Request body is not valid JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RoadworkError('ERR_BODY_INVALID_JSON', `Request body must be a JSON object, got ${kind(data)}`);
  }
  return data as Record<string, unknown>;
}

/** How a parsed JSON value reads in a message: `typeof` calls an array and null "object". */
function kind(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'an array';
  return `a ${typeof data}`;
}

function tooLarge(size: number, max: number): RoadworkError {
  return new RoadworkError(
    'ERR_BODY_TOO_LARGE',
    `Request body is larger than ${max} bytes: ${size}; raise limits.max_body_bytes if this is a real challenge`,
  );
}
