/**
 * Check 4: the running axon refuses a stranger. A freshly generated sr25519 key, registered nowhere,
 * signs a real `ImageSynapse` the way a Python dendrite does; the axon must answer 403 (or 401) with
 * its coded error before reading the body, never 200.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock/index.js';
import { buildWireRequest, imageSynapse } from '../../wire/protocol/index.js';
import { hotkeyFromSecret, type Signer } from '../../wire/wallet/index.js';
import { result, type CheckResult } from './_types.js';

/** What the local-axon check needs. */
export interface LocalAxonDeps {
  /** `http://127.0.0.1:8091`. */
  readonly axonUrl: string;
  /** The wallet's hotkey, signed for as the axon's; undefined when the wallet did not load. */
  readonly minerHotkey: string | undefined;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  /** The throw-away caller; default a key from 32 random bytes. */
  readonly stranger?: () => Signer;
  readonly timeoutMs?: number;
}

// The version 0.4.x validators send (0.4.2 → 42), so the request looks like today's traffic.
const VALIDATOR_VERSION = 42;

function freshKey(): Signer {
  return hotkeyFromSecret(`0x${randomBytes(32).toString('hex')}`);
}

/** Sends the stranger's signed request and judges the answer. */
export async function checkLocalAxon(deps: LocalAxonDeps): Promise<CheckResult> {
  const url = new URL(deps.axonUrl);
  const stranger = (deps.stranger ?? freshKey)();
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const wire = buildWireRequest(
    imageSynapse(''),
    { ip: url.hostname, port, hotkey: deps.minerHotkey ?? stranger.ss58 },
    {
      hotkey: stranger.ss58,
      sign: (message) => stranger.sign(message),
      uuid: randomUUID(),
      version: VALIDATOR_VERSION,
      externalIp: '127.0.0.1',
      nonce: BigInt(deps.clock.nowMs()) * 1_000_000n,
      timeoutS: 9,
    },
  );
  const target = new URL(wire.path, url).href;
  const data: Record<string, unknown> = { url: target, caller: stranger.ss58 };
  let status: number;
  let body: { code?: unknown; message?: unknown } = {};
  let axonHotkey: string | null;
  try {
    const res = await deps.fetch(target, {
      method: 'POST',
      headers: { ...wire.headers, 'content-type': 'application/json' },
      body: wire.body,
      signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
    });
    status = res.status;
    axonHotkey = res.headers.get('bt_header_axon_hotkey');
    const text = await res.text();
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = {};
    }
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    return result('axon-local', 'fail', `Nothing answers at ${target}: ${cause ?? (err as Error).message}.`, {
      fix: 'Start the miner (roadwork serve), or point --axon at it: --axon http://127.0.0.1:PORT.',
      data,
    });
  }
  const code = typeof body.code === 'string' ? body.code : undefined;
  Object.assign(data, { status, code: code ?? null, axonHotkey });
  const answered = `${status}${code ? ` ${code}` : ''}`;
  if (status === 200) {
    return result(
      'axon-local',
      'fail',
      `The axon answered a caller registered nowhere (${stranger.ss58}) with 200.`,
      {
        fix: 'Set blacklist.allow_non_registered to false (and keep blacklist.force_validator_permit on).',
        data,
      },
    );
  }
  if (status === 401 || status === 403) {
    if (code === undefined || !code.startsWith('ERR_')) {
      return result(
        'axon-local',
        'warn',
        `Refused with ${status} but no roadwork error code: is another program on ${url.host}?`,
        {
          fix: 'Check what listens on that port, or give --axon.',
          data,
        },
      );
    }
    if (deps.minerHotkey !== undefined && axonHotkey !== null && axonHotkey !== deps.minerHotkey) {
      return result(
        'axon-local',
        'fail',
        `The axon at ${url.host} serves hotkey ${axonHotkey}, the wallet's is ${deps.minerHotkey}: validators sign for the chain's hotkey, so the axon would refuse them all.`,
        { fix: 'Start the miner with the same wallet settings as this check.', data },
      );
    }
    return result(
      'axon-local',
      'ok',
      `The axon refused a throw-away caller with ${answered}, as it should.`,
      {
        data,
      },
    );
  }
  if (code === 'ERR_METAGRAPH_UNAVAILABLE') {
    return result(
      'axon-local',
      'fail',
      `The axon has no metagraph yet (${answered}): it refuses everyone, validators too.`,
      {
        fix: 'Check the miner can reach subtensor (its /health/ready says why), or give --metagraph.file.',
        data,
      },
    );
  }
  const message = typeof body.message === 'string' ? `: ${body.message.slice(0, 200)}` : '';
  return result('axon-local', 'fail', `The axon answered a throw-away caller with ${answered}${message}.`, {
    fix: 'Expected 403 before the body is read; check the miner logs for this request.',
    data,
  });
}
