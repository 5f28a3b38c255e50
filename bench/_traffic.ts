// Validator-side traffic for the fault battery: signed requests, one HTTP exchange with a verdict, and
// the tallies (statuses, codes, latencies) each scenario prints.
import { randomUUID } from 'node:crypto';
import { request, type Agent, type OutgoingHttpHeaders } from 'node:http';
import { buildWireRequest, DEFAULT_DENDRITE_VERSION, imageSynapse } from '../src/wire/protocol/index.js';
import type { Signer } from '../src/wire/wallet/index.js';

/** A signed request ready to send. */
export interface Wire {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** The miner a request is signed for. */
export interface Target {
  readonly port: number;
  readonly hotkey: string;
}

let lastNonce = 0n;

/** Nanoseconds since the epoch, strictly increasing across the process (the axon refuses a repeat). */
export function nextNonce(): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastNonce = now > lastNonce ? now : lastNonce + 1n;
  return lastNonce;
}

/** Options of `signWire`. */
export interface SignOptions {
  readonly uuid?: string;
  /** The validator's timeout. Default 9 s. */
  readonly timeoutS?: number;
  /** The hotkey header, when it should differ from the signer's. */
  readonly claimedHotkey?: string;
  /** For tests of this helper; default `nextNonce()`. */
  readonly nonce?: bigint;
}

// A large image's bytes and its request's total_size (which depends only on the lengths of the fields).
const large = new Map<string, { readonly bytes: Buffer; readonly totalSize: string }>();
const LARGE = 4096;
// Images used once (a mutated base64 string) are not kept: the map holds pooled images only.
const MAX_KEPT = 2000;

/**
 * An `ImageSynapse` of `image` (base64) signed by `signer`, byte for byte as a Python dendrite sends it
 * (validators' timeout 9 s). Each call gets a fresh nonce; `uuid` defaults to a new one per request.
 * An image seen before is spliced into the body of a request built without it: serialising megabytes
 * of base64 each time would block the battery's event loop (and the honest validator's timings) for
 * tens of milliseconds per request, and even a 224² image costs the fuzz half of its client time.
 */
export function signWire(signer: Signer, target: Target, image: string, o: SignOptions = {}): Wire {
  if (image.length < LARGE) return build(signer, target, image, o);
  const known = large.get(image);
  if (known === undefined) {
    const full = build(signer, target, image, o);
    if (large.size < MAX_KEPT)
      large.set(image, { bytes: Buffer.from(image, 'latin1'), totalSize: full.headers.total_size! });
    return full;
  }
  const empty = build(signer, target, '', o);
  const [before, after] = empty.body
    .toString('utf8')
    .replace(`"total_size": ${empty.headers.total_size}`, `"total_size": ${known.totalSize}`)
    .split('"image": ""');
  return {
    path: empty.path,
    headers: { ...empty.headers, total_size: known.totalSize },
    body: Buffer.concat([Buffer.from(`${before}"image": "`), known.bytes, Buffer.from(`"${after}`)]),
  };
}

function build(signer: Signer, target: Target, image: string, o: SignOptions): Wire {
  const wire = buildWireRequest(
    imageSynapse(image),
    { ip: '127.0.0.1', port: target.port, hotkey: target.hotkey },
    {
      hotkey: o.claimedHotkey ?? signer.ss58,
      sign: (m) => signer.sign(m),
      uuid: o.uuid ?? randomUUID(),
      version: DEFAULT_DENDRITE_VERSION,
      externalIp: '127.0.0.1',
      nonce: o.nonce ?? nextNonce(),
      timeoutS: o.timeoutS ?? 9,
    },
  );
  return {
    path: wire.path,
    headers: { ...wire.headers, 'content-type': 'application/json' },
    body: Buffer.from(wire.body, 'utf8'),
  };
}

/** What one exchange came to. `status` 0: no HTTP answer (`transport` says why). */
export interface Outcome {
  readonly status: number;
  readonly code?: string;
  /** Start of the request to the end of the answer (or the failure). */
  readonly ms: number;
  readonly transport?: string;
  /** On 200: the answer's prediction, when it is a number in [0, 1]. */
  readonly prediction?: number;
  /** A short excerpt of the answer, for reports. */
  readonly text: string;
}

/** Options of `exchange`. */
export interface ExchangeOptions {
  readonly method?: string;
  readonly path?: string;
  /** Replaces the wire's headers entirely (a fuzz case brings its own). */
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: Buffer;
  readonly agent?: Agent | false;
  /** Client-side limit; past it the request is abandoned as `hung`. Default 20 s. */
  readonly timeoutMs?: number;
}

/** Sends one request and reads the whole answer; never rejects. */
export function exchange(port: number, wire: Wire | undefined, o: ExchangeOptions = {}): Promise<Outcome> {
  const body = o.body ?? wire?.body ?? Buffer.alloc(0);
  const headers: OutgoingHttpHeaders = o.headers ?? {
    ...wire?.headers,
    'content-length': String(body.length),
  };
  const t0 = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Omit<Outcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, ms: performance.now() - t0 });
    };
    let req;
    try {
      req = request({
        host: '127.0.0.1',
        port,
        method: o.method ?? 'POST',
        path: o.path ?? wire?.path ?? '/',
        headers,
        agent: o.agent ?? false,
      });
    } catch (err) {
      // Node's client refuses some header values itself; nothing reached the miner.
      done({ status: -1, transport: `client refused: ${(err as Error).message}`, text: '' });
      return;
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => done({ status: 0, transport: err.message, text: '' }));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        let code: string | undefined;
        let prediction: number | undefined;
        try {
          const json = JSON.parse(text) as { code?: unknown; prediction?: unknown };
          if (typeof json.code === 'string') code = json.code;
          if (typeof json.prediction === 'number' && json.prediction >= 0 && json.prediction <= 1)
            prediction = json.prediction;
        } catch {
          // Not JSON (Node's own 400 for a malformed request has an empty body).
        }
        done({
          status,
          ...(code === undefined ? {} : { code }),
          ...(prediction === undefined ? {} : { prediction }),
          text: text.slice(0, 300),
        });
      });
    });
    req.setTimeout(o.timeoutMs ?? 20_000, () => {
      done({ status: 0, transport: 'hung', text: '' });
      req.destroy();
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      done({ status: 0, transport: err.code ?? err.message, text: '' }),
    );
    req.end(body);
  });
}

/** The q-quantile of `xs` (nearest rank); NaN when empty. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** Milliseconds for a table: "123" or "—". */
export function ms(x: number): string {
  return Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : '—';
}

/** Counts outcomes by "status code" and keeps latencies of answers and of refusals. */
export class Tally {
  readonly byKey = new Map<string, number>();
  /** Latencies of 200 answers with a prediction, ms. */
  readonly answeredMs: number[] = [];
  /** Latencies of non-200 HTTP answers, ms. */
  readonly refusedMs: number[] = [];
  tried = 0;
  /** Outcomes outside the allowed set, with an example each. */
  wrong = 0;
  /** Of the wrong outcomes, answers with a 5xx status. */
  fiveXx = 0;
  readonly wrongExamples: string[] = [];
  readonly #allowed: (o: Outcome) => boolean;

  /** `allowed` says whether an outcome is acceptable in this scenario. */
  constructor(allowed: (o: Outcome) => boolean) {
    this.#allowed = allowed;
  }

  /** Records one outcome; returns whether it was allowed. */
  add(o: Outcome, what = ''): boolean {
    this.tried++;
    const key =
      o.status === 0 || o.status === -1 ? `no answer (${o.transport})` : `${o.status} ${o.code ?? ''}`.trim();
    this.byKey.set(key, (this.byKey.get(key) ?? 0) + 1);
    if (o.status === 200 && o.prediction !== undefined) this.answeredMs.push(o.ms);
    else if (o.status > 0) this.refusedMs.push(o.ms);
    const ok = this.#allowed(o);
    if (!ok) {
      this.wrong++;
      if (o.status >= 500) this.fiveXx++;
      if (this.wrongExamples.length < 5)
        this.wrongExamples.push(`${key} after ${ms(o.ms)} ms ${what}: ${o.text.slice(0, 200)}`.trim());
    }
    return ok;
  }

  /** "200: 812, 400 ERR_IMAGE_FORMAT: 33, ..." sorted by count. */
  summary(): string {
    return [...this.byKey.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
  }
}

/** A 200 with a prediction in [0, 1]. */
export function answered(o: Outcome): boolean {
  return o.status === 200 && o.prediction !== undefined;
}

/** A fast refusal of load: 503 with ERR_OVERLOADED. */
export function refused(o: Outcome): boolean {
  return o.status === 503 && o.code === 'ERR_OVERLOADED';
}

/** Runs `n` lanes concurrently until each returns. */
export async function lanes(n: number, lane: (i: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => lane(i)));
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
