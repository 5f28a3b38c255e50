// A local NATIX registration server for tests: checks the registration as NATIX documents it (fields,
// types, a plain-hex sr25519 signature of the timestamp by the named hotkey) and answers status polls
// from a script of statuses.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeHotkey, verifySr25519 } from '../../wire/protocol/index.js';

/** The running server. */
export interface TestNatix {
  readonly url: string;
  /** Registrations accepted (the parsed JSON bodies). */
  readonly registrations: Record<string, unknown>[];
  /** Every registration body received, refused ones too. */
  readonly received: Record<string, unknown>[];
  /** Status polls received, by uid. */
  readonly polls: string[];
  close(): Promise<void>;
}

/** `statuses`: what successive polls answer (the last repeats); `registerStatus`: the POST's HTTP status. */
export interface TestNatixOptions {
  readonly statuses: readonly string[];
  readonly registerStatus?: number;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** Why a registration body is refused, or undefined when it is what NATIX expects. */
function problem(b: Record<string, unknown>): string | undefined {
  if (typeof b.uid !== 'string' || !/^\d+$/.test(b.uid)) return 'uid must be a string of digits';
  if (typeof b.message !== 'string' || !/^\d+$/.test(b.message))
    return 'message must be a Unix timestamp string';
  if (b.type !== 'miner') return 'type must be miner';
  if (typeof b.model_repo !== 'string' || !b.model_repo.includes('/')) return 'model_repo must be owner/name';
  if (typeof b.natix_signature !== 'string' || !/^[0-9a-f]{128}$/.test(b.natix_signature))
    return 'natix_signature must be 64 bytes of plain hex (no 0x)';
  const key = decodeHotkey(String(b.natix_public_key));
  if (typeof key === 'string') return `natix_public_key: ${key}`;
  if (!verifySr25519(key, b.message, Buffer.from(b.natix_signature, 'hex')))
    return 'signature does not verify';
  return undefined;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startTestNatix(options: TestNatixOptions): Promise<TestNatix> {
  const registrations: Record<string, unknown>[] = [];
  const received: Record<string, unknown>[] = [];
  const polls: string[] = [];
  let asked = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'POST' && path === '/participants/register') {
        const body = JSON.parse(await text(req)) as Record<string, unknown>;
        received.push(body);
        const why = problem(body);
        if (why !== undefined) return json(res, 422, { detail: why });
        registrations.push(body);
        return json(res, options.registerStatus ?? 200, { status: 'pending' });
      }
      const poll = /^\/participants\/registration-status\/(\d+)$/.exec(path);
      if (req.method === 'GET' && poll) {
        polls.push(poll[1]!);
        const status = options.statuses[Math.min(asked++, options.statuses.length - 1)];
        return json(res, 200, {
          status,
          ...(status === 'failed' ? { message: 'model repo not found' } : {}),
        });
      }
      json(res, 404, { detail: 'not found' });
    })().catch((err: unknown) => json(res, 500, { detail: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    registrations,
    received,
    polls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
