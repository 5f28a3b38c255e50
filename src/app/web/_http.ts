// Small HTTP helpers of the web app: JSON answers, bounded JSON bodies, coded errors as responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS, RoadworkError, isRoadworkError } from '../../core/errors/index.js';

/** The largest JSON body the app reads (labels and export requests are tiny). */
const MAX_BODY = 64 * 1024;

/** Writes `value` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Reads a JSON object body, refusing one over 64 KiB before buffering the rest. */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RoadworkError('ERR_BODY_TOO_LARGE', `The body exceeds ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // falls through to the coded error
  }
  throw new RoadworkError('ERR_BODY_INVALID_JSON', 'The body is not a JSON object');
}

/** A coded error as `{code, message}` with its status (400 for one without, 500 for an uncoded one). */
export function sendError(res: ServerResponse, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (isRoadworkError(err)) {
    const status = (ERRORS[err.code].status as number | undefined) ?? 400;
    sendJson(res, status, { code: err.code, message: err.message });
  } else sendJson(res, 500, { code: 'ERR_INTERNAL', message: (err as Error)?.message ?? String(err) });
}
