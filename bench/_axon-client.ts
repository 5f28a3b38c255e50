// Load client of bench/axon-overhead.ts, forked into its own process: pre-signed ImageSynapse calls, keep-alive.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { systemClock } from '../src/core/clock/index.js';
import {
  DEFAULT_DENDRITE_VERSION,
  buildWireRequest,
  hotkeyFromSecret,
  imageSynapse,
  type Signer,
} from '../src/wire/protocol/index.js';
import { distinctSceneImages } from './_images.js';

/** One measured cell: a server, a concurrency and a request count. */
export interface CellSpec {
  readonly target: 'bare' | 'axon' | 'axon+querylog';
  readonly port: number;
  readonly concurrency: number;
  readonly requests: number;
  /** Requests sent before timing starts (JIT, sockets); split across lanes. */
  readonly warmup: number;
  /** The timed part stops issuing requests after this long. */
  readonly maxSeconds: number;
  /**
   * Where in the image pool this cell's requests start: request k (warm-up first, across lanes) sends image
   * `(imageOffset + k) mod pool`, so cells given disjoint ranges never repeat an image.
   */
  readonly imageOffset: number;
}

/** What the timed part of a cell measured on the client. */
export interface CellResult {
  /** Latency of each successful request, ms, request start to response end. */
  readonly latenciesMs: number[];
  readonly failed: number;
  readonly firstFailure?: string;
  readonly wallMs: number;
  /** Client process CPU (user + system) over the timed part, ms. */
  readonly clientCpuMs: number;
}

/** Messages from the bench to this client. */
export type ToClient =
  | {
      readonly type: 'init';
      readonly validatorSecret: string;
      readonly axonHotkey: string;
      /** Distinct images to build before any cell (outside every timed part). */
      readonly images: number;
    }
  | { readonly type: 'prepare'; readonly cell: CellSpec }
  | { readonly type: 'go' }
  | { readonly type: 'exit' };

/** Messages from this client to the bench. */
export type FromClient =
  | {
      readonly type: 'ready';
      /** Mean JPEG size of the pool. */
      readonly jpegBytes: number;
      readonly bodyBytes: number;
      readonly images: number;
      readonly buildMs: number;
    }
  | { readonly type: 'prepared'; readonly signMs: number; readonly signed: number }
  | { readonly type: 'result'; readonly result: CellResult }
  | { readonly type: 'error'; readonly message: string };

interface Signed {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

interface Lane {
  readonly warm: Signed[];
  readonly timed: Signed[];
}

interface Prepared {
  readonly cell: CellSpec;
  readonly agent: Agent;
  readonly lanes: Lane[];
}

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * One uuid per lane, nonces strictly increasing in the order the lane sends (warm-up first). The first
 * nonce of a uuid must fall in the axon's freshness window (timeout + 4 s), so signing happens per cell.
 */
function signLanes(cell: CellSpec, signer: Signer, axonHotkey: string, pool: readonly string[]): Lane[] {
  const clock = systemClock();
  let next = cell.imageOffset;
  return Array.from({ length: cell.concurrency }, (_, l) => {
    const uuid = randomUUID();
    const base = clock.nowNs();
    const share = (total: number) =>
      Math.floor(total / cell.concurrency) + (l < total % cell.concurrency ? 1 : 0);
    const all = Array.from({ length: share(cell.warmup) + share(cell.requests) }, (_, k) => {
      const wire = buildWireRequest(
        imageSynapse(pool[next++ % pool.length]!),
        { ip: '127.0.0.1', port: cell.port, hotkey: axonHotkey },
        {
          hotkey: signer.ss58,
          sign: (m) => signer.sign(m),
          uuid,
          version: DEFAULT_DENDRITE_VERSION,
          externalIp: '127.0.0.1',
          nonce: base + BigInt(k),
          timeoutS: 12,
        },
      );
      const body = Buffer.from(wire.body, 'utf8');
      const headers = {
        ...wire.headers,
        'content-type': 'application/json',
        'content-length': String(body.length),
        accept: '*/*',
      };
      return { path: wire.path, headers, body };
    });
    const warm = share(cell.warmup);
    return { warm: all.slice(0, warm), timed: all.slice(warm) };
  });
}

function post(agent: Agent, port: number, r: Signed): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path: r.path, headers: r.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(r.body);
  });
}

// An axon answer only counts if it carries the prediction; the bare server answers anything with 200.
function failure(target: CellSpec['target'], reply: { status: number; text: string }): string | undefined {
  if (reply.status !== 200) return `HTTP ${reply.status}: ${reply.text.slice(0, 200)}`;
  if (target === 'bare') return undefined;
  const p = (JSON.parse(reply.text) as { prediction?: unknown }).prediction;
  return typeof p === 'number' && p >= 0 && p <= 1 ? undefined : `no prediction: ${reply.text.slice(0, 200)}`;
}

async function runLanes(
  p: Prepared,
  pick: (lane: Lane) => Signed[],
  deadline: number,
): Promise<Omit<CellResult, 'wallMs' | 'clientCpuMs'>> {
  const latenciesMs: number[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  await Promise.all(
    p.lanes.map(async (lane) => {
      for (const r of pick(lane)) {
        if (performance.now() > deadline) return;
        const t0 = performance.now();
        let problem: string | undefined;
        try {
          problem = failure(p.cell.target, await post(p.agent, p.cell.port, r));
        } catch (err) {
          problem = (err as Error).message;
        }
        if (problem === undefined) latenciesMs.push(performance.now() - t0);
        else {
          failed++;
          firstFailure ??= problem;
        }
      }
    }),
  );
  return firstFailure === undefined ? { latenciesMs, failed } : { latenciesMs, failed, firstFailure };
}

function serve(): void {
  let signer: Signer | undefined;
  let axonHotkey = '';
  let pool: string[] = [];
  let prepared: Prepared | undefined;
  const reply = (m: FromClient): void => {
    process.send?.(m);
  };

  async function handle(m: ToClient): Promise<void> {
    if (m.type === 'init') {
      signer = hotkeyFromSecret(m.validatorSecret);
      axonHotkey = m.axonHotkey;
      const t0 = performance.now();
      pool = await distinctSceneImages(m.images, 'bench-axon');
      const buildMs = performance.now() - t0;
      const probe = signLanes(
        { target: 'axon', port: 0, concurrency: 1, requests: 1, warmup: 0, maxSeconds: 1, imageOffset: 0 },
        signer,
        axonHotkey,
        pool,
      );
      const bodyBytes = probe[0]?.timed[0]?.body.length ?? 0;
      const jpegBytes = pool.reduce((n, b) => n + Buffer.byteLength(b, 'base64'), 0) / pool.length;
      return reply({
        type: 'ready',
        jpegBytes: Math.round(jpegBytes),
        bodyBytes,
        images: pool.length,
        buildMs,
      });
    }
    if (m.type === 'prepare') {
      if (signer === undefined) throw new Error('prepare before init');
      const t0 = performance.now();
      const lanes = signLanes(m.cell, signer, axonHotkey, pool);
      const signMs = performance.now() - t0;
      const agent = new Agent({ keepAlive: true, maxSockets: m.cell.concurrency });
      prepared = { cell: m.cell, agent, lanes };
      const warm = await runLanes(prepared, (lane) => lane.warm, Infinity);
      if (warm.failed > 0) throw new Error(`warm-up failed ${warm.failed} times: ${warm.firstFailure}`);
      const signed = lanes.reduce((n, lane) => n + lane.warm.length + lane.timed.length, 0);
      return reply({ type: 'prepared', signMs, signed });
    }
    if (m.type === 'go') {
      if (prepared === undefined) throw new Error('go before prepare');
      const p = prepared;
      prepared = undefined;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const run = await runLanes(p, (lane) => lane.timed, t0 + p.cell.maxSeconds * 1000);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      p.agent.destroy();
      return reply({
        type: 'result',
        result: { ...run, wallMs, clientCpuMs: (cpu.user + cpu.system) / 1000 },
      });
    }
    prepared?.agent.destroy();
    process.disconnect();
  }

  process.on('message', (m: ToClient) => {
    handle(m).catch((err: unknown) => reply({ type: 'error', message: String((err as Error).stack ?? err) }));
  });
  // Orphaned (the bench died): leave rather than linger.
  process.on('disconnect', () => process.exit(0));
}

if (process.send === undefined) {
  console.error('bench/_axon-client.ts is forked by bench/axon-overhead.ts; run that instead.');
  process.exit(1);
}
serve();
