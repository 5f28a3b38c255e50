// NATIX's off-chain registration (PROTOCOL.md §7, with §9's details). Optional: validators stopped checking it.
import type { Clock } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import type { Signer } from '../../wire/wallet/index.js';

/** NATIX's application server (`natix.url`). */
export const NATIX_URL = 'https://hydra.natix.network';

/** How a registration ended. */
export interface Registration {
  readonly uid: number;
  /** The final status the server reported (`succeeded` or `success`). */
  readonly status: string;
  /** Every status seen while polling, in order (repeats collapsed). */
  readonly statuses: readonly string[];
  readonly seconds: number;
}

/** What a registration needs. */
export interface RegisterOptions {
  readonly baseUrl: string;
  readonly uid: number;
  readonly signer: Signer;
  /** `owner/name` of the published model. */
  readonly repo: string;
  readonly clock: Clock;
  /** Between status polls. Default 3000 (the reference's). */
  readonly pollMs?: number;
  /** Give up after. Default 180 000 (the reference's). */
  readonly timeoutMs?: number;
  /** Each poll's status as it comes. */
  readonly onStatus?: (status: string) => void;
  readonly fetch?: typeof fetch;
  /** Waits between polls; default a timer (tests pass one that advances a fake clock). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const SUCCEEDED = new Set(['succeeded', 'success']);
const FAILED = new Set(['failed', 'error']);
const PENDING = new Set(['pending', 'queued', 'processing']);

function fail(message: string, cause?: unknown): RoadworkError {
  return new RoadworkError('ERR_REGISTRATION', message, cause === undefined ? undefined : { cause });
}

async function call(f: typeof fetch, url: string, init: RequestInit, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await f(url, { ...init, signal: AbortSignal.timeout(Math.max(1, timeoutMs)) });
  } catch (err) {
    throw fail(
      `NATIX server unreachable at ${url}: ${err instanceof Error ? err.message : String(err)}.`,
      err,
    );
  }
  const text = await res.text();
  if (!res.ok) throw fail(`NATIX server answered HTTP ${res.status} to ${url}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw fail(`NATIX server answered ${url} with something that is not JSON: ${text.slice(0, 100)}`, err);
  }
}

function statusOf(body: unknown): string | undefined {
  const s = (body as { status?: unknown } | null)?.status;
  return typeof s === 'string' ? s.toLowerCase() : undefined;
}

/**
 * Signs the current Unix time with the hotkey, posts the registration, and polls its status until it
 * succeeds (resolves), fails or the timeout passes (ERR_REGISTRATION either way, saying which).
 */
export async function registerWithNatix(options: RegisterOptions): Promise<Registration> {
  const f = options.fetch ?? fetch;
  const pollMs = options.pollMs ?? 3_000;
  const timeoutMs = options.timeoutMs ?? 180_000;
  const base = options.baseUrl.replace(/\/+$/, '');
  const started = options.clock.nowMs();
  const message = String(Math.floor(started / 1000));
  const body = {
    // §9: the uid travels as a JSON string, the signature as plain hex without 0x.
    uid: String(options.uid),
    message,
    natix_public_key: options.signer.ss58,
    natix_signature: Buffer.from(options.signer.sign(message)).toString('hex'),
    type: 'miner',
    model_repo: options.repo,
  };
  const left = (): number => timeoutMs - (options.clock.nowMs() - started);
  await call(
    f,
    `${base}/participants/register`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    left(),
  );
  const statuses: string[] = [];
  for (;;) {
    const answer = await call(f, `${base}/participants/registration-status/${options.uid}`, {}, left());
    const status = statusOf(answer) ?? '(none)';
    if (statuses.at(-1) !== status) {
      statuses.push(status);
      options.onStatus?.(status);
    }
    const seconds = (options.clock.nowMs() - started) / 1000;
    if (SUCCEEDED.has(status)) return { uid: options.uid, status, statuses, seconds };
    if (FAILED.has(status)) {
      const detail = (answer as { message?: unknown } | null)?.message;
      throw fail(
        `NATIX registration of uid ${options.uid} ${status}${typeof detail === 'string' ? `: ${detail}` : ''} (statuses: ${statuses.join(' → ')}).`,
      );
    }
    if (!PENDING.has(status) && status !== '(none)') {
      throw fail(
        `NATIX registration of uid ${options.uid}: unknown status "${status}" (statuses: ${statuses.join(' → ')}).`,
      );
    }
    if (left() <= pollMs) {
      throw fail(
        `NATIX registration of uid ${options.uid} still ${status} after ${Math.round(seconds)} s; gave up (timeout ${timeoutMs / 1000} s). It may still complete: check again later.`,
      );
    }
    await (options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(pollMs);
  }
}
