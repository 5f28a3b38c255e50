/** Strict validation of the static metagraph file, with errors that name the neuron, field and fix. */
import { isIP } from 'node:net';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { RoadworkError } from '../../core/errors/index.js';
import type { Neuron } from './types.js';

/** The contents of a metagraph file, before it becomes a `Metagraph`. */
export interface MetagraphFileData {
  readonly netuid: number;
  readonly block: number;
  readonly neurons: readonly Neuron[];
  /** When the snapshot was fetched from the chain; absent in hand-written files. */
  readonly fetchedAtMs?: number;
}

const TOP_KEYS = new Set(['netuid', 'block', 'neurons', 'fetched_at_ms']);
const NEURON_KEYS = new Set(['uid', 'hotkey', 'stake', 'validator_permit', 'axon']);
const AXON_KEYS = new Set(['ip', 'port']);

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUint(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/** Checks an ss58 hotkey; returns the problem and the fix, or undefined when it is a prefix-42 address. */
export function hotkeyProblem(hotkey: string): { problem: string; fix: string } | undefined {
  let publicKey: Uint8Array;
  try {
    publicKey = decodeAddress(hotkey);
  } catch {
    return {
      problem: 'is not a valid ss58 address',
      fix: "Copy the hotkey's ss58 address exactly (bad checksum).",
    };
  }
  if (publicKey.length !== 32) {
    return { problem: 'is not a 32-byte account', fix: "Use the hotkey's full ss58 address." };
  }
  const canonical = encodeAddress(publicKey, 42);
  if (canonical !== hotkey) {
    return { problem: 'uses an ss58 prefix other than 42', fix: `Write it as ${canonical}.` };
  }
  return undefined;
}

type Fail = (path: string, problem: string, value: unknown, fix: string) => never;

function failAt(origin: string, path: string, problem: string, value: unknown, fix: string): never {
  throw new RoadworkError(
    'ERR_METAGRAPH_FILE',
    `Metagraph file ${origin}: ${path} ${problem}: ${show(value)}. ${fix}`,
  );
}

/** Validates parsed JSON as a metagraph file; throws `ERR_METAGRAPH_FILE` at the first problem. */
export function validateMetagraphFile(data: unknown, origin: string): MetagraphFileData {
  const fail: Fail = (path, problem, value, fix) => failAt(origin, path, problem, value, fix);
  if (!isObject(data)) {
    return fail('the top level', 'is not a JSON object', data, 'Write {"netuid", "block", "neurons"}.');
  }
  checkKeys(data, '', TOP_KEYS, fail);
  const { netuid, block, neurons, fetched_at_ms: fetchedAtMs } = data;
  if (!isUint(netuid, 65535)) {
    fail('netuid', 'is not an integer 0-65535', netuid, 'Write the subnet id, e.g. 72.');
  }
  if (!isUint(block)) {
    fail('block', 'is not a non-negative integer', block, 'Write the block number, or 0.');
  }
  if (fetchedAtMs !== undefined && !isUint(fetchedAtMs)) {
    fail(
      'fetched_at_ms',
      'is not a time in ms since the epoch',
      fetchedAtMs,
      'Remove it or write an integer.',
    );
  }
  if (!Array.isArray(neurons)) {
    fail('neurons', 'is not an array', neurons, 'Write a list of neuron objects.');
  }
  const seen: Seen = { uids: new Map(), hotkeys: new Map() };
  const out = (neurons as unknown[]).map((raw, i) => validateNeuron(raw, i, seen, fail));
  return { netuid, block, neurons: out, fetchedAtMs };
}

interface Seen {
  readonly uids: Map<number, number>;
  readonly hotkeys: Map<string, number>;
}

function checkKeys(
  object: Record<string, unknown>,
  at: string,
  known: ReadonlySet<string>,
  fail: Fail,
): void {
  for (const key of Object.keys(object)) {
    if (!known.has(key)) fail(`${at}${key}`, 'is not a known key', key, `Use only ${[...known].join(', ')}.`);
  }
}

function validateNeuron(raw: unknown, i: number, seen: Seen, fail: Fail): Neuron {
  const at = `neurons[${i}]`;
  if (!isObject(raw)) return fail(at, 'is not an object', raw, 'Write {"uid", "hotkey", "stake", ...}.');
  checkKeys(raw, `${at}.`, NEURON_KEYS, fail);
  const { uid, hotkey, stake, validator_permit: permit, axon } = raw;
  if (!isUint(uid, 65535)) {
    return fail(`${at}.uid`, 'is not an integer 0-65535', uid, 'Write the neuron uid.');
  }
  const uidSeen = seen.uids.get(uid);
  if (uidSeen !== undefined) {
    fail(`${at}.uid`, `repeats neurons[${uidSeen}].uid`, uid, 'Give each neuron its own uid.');
  }
  seen.uids.set(uid, i);
  if (typeof hotkey !== 'string') {
    return fail(`${at}.hotkey`, 'is not a string', hotkey, 'Write the ss58 hotkey.');
  }
  const bad = hotkeyProblem(hotkey);
  if (bad) fail(`${at}.hotkey`, bad.problem, hotkey, bad.fix);
  const keySeen = seen.hotkeys.get(hotkey);
  if (keySeen !== undefined) {
    fail(`${at}.hotkey`, `repeats neurons[${keySeen}].hotkey`, hotkey, 'A hotkey holds one uid per subnet.');
  }
  seen.hotkeys.set(hotkey, i);
  if (typeof stake !== 'number' || !Number.isFinite(stake) || stake < 0) {
    return fail(`${at}.stake`, 'is not a finite number >= 0', stake, 'Write the stake in TAO (alpha).');
  }
  if (typeof permit !== 'boolean') {
    return fail(`${at}.validator_permit`, 'is not a boolean', permit, 'Write true or false.');
  }
  return { uid, hotkey, stake, validatorPermit: permit, axon: validateAxon(axon, `${at}.axon`, fail) };
}

function validateAxon(axon: unknown, at: string, fail: Fail): Neuron['axon'] {
  if (axon === null) return null;
  if (!isObject(axon)) return fail(at, 'is not an object or null', axon, 'Write {"ip", "port"}, or null.');
  checkKeys(axon, `${at}.`, AXON_KEYS, fail);
  const { ip, port } = axon;
  if (typeof ip !== 'string' || isIP(ip) === 0) {
    return fail(`${at}.ip`, 'is not an IPv4 or IPv6 address', ip, 'Write e.g. "1.2.3.4".');
  }
  if (!isUint(port, 65535)) {
    return fail(`${at}.port`, 'is not a port 0-65535', port, 'Write e.g. 8091.');
  }
  // How every neuron that never served looks on chain (ip 0, port 0): it serves no axon.
  if (port === 0 || ip === '0.0.0.0' || ip === '::') return null;
  return { ip, port };
}
