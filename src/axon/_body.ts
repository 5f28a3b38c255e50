/** Reads a request body with a hard size limit, without buffering past the limit. */
import type { IncomingMessage } from 'node:http';
import { RoadworkError } from '../errors/index.js';

/** Resolves with the body; rejects with ERR_BODY_TOO_LARGE as soon as the limit is crossed. */
export function readBody(req: IncomingMessage, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(tooLarge(Number(declared), maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
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
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function tooLarge(size: number, max: number): RoadworkError {
  return new RoadworkError(
    'ERR_BODY_TOO_LARGE',
    `Request body is larger than ${max} bytes: ${size}; raise limits.max_body_bytes if this is a real challenge`,
  );
}
