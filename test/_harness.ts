// Test harness: a real miner (static metagraph file, real keys, real ONNX baseline) on 127.0.0.1.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import sharp from 'sharp';
import { buildMiner, type Miner } from '../src/app/miner/index.js';
import { buildMetagraph, writeMetagraphFile, type MetagraphSource } from '../src/wire/chain/index.js';
import { loadConfig, type SettingKey } from '../src/core/config/index.js';
import { silentLogger, type Logger } from '../src/core/log/index.js';
import { buildWireRequest, DEFAULT_DENDRITE_VERSION, imageSynapse } from '../src/wire/protocol/index.js';
import { hotkeyFromSecret, type Signer } from '../src/wire/wallet/index.js';
import { generateScene } from '../src/data/procedural/index.js';
import { createRng } from '../src/core/random/index.js';

/** The miner's secret URI, for a miner started as a process (`ROADWORK_HOTKEY_SECRET`); KEYS.miner is its key. */
export const MINER_SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner';

/** The validator's secret URI, for a validator started as a process (`roadwork eval --validator-mnemonic`). */
export const VALIDATOR_SECRET =
  'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Validator';

/** Well-known dev keys derived for real (sr25519, ss58 prefix 42). */
export const KEYS = {
  miner: hotkeyFromSecret(MINER_SECRET),
  validator: hotkeyFromSecret(VALIDATOR_SECRET),
  poorValidator: hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Poor',
  ),
  otherMiner: hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//OtherMiner',
  ),
  stranger: hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Stranger',
  ),
} satisfies Record<string, Signer>;

/** A running miner plus where it listens. */
export interface TestMiner {
  readonly miner: Miner;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * The test miners' temporary data folders, removed when the test process exits (tests read a stopped
 * miner's folder, so `stop()` keeps it); before, every run left one folder per miner in the temp dir.
 */
const minerDirs: string[] = [];
function removeMinerDirs(): void {
  for (const dir of minerDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Starts a miner on a random loopback port with a metagraph of the KEYS (or `options.metagraph`). */
export async function startTestMiner(
  settings: Partial<Record<SettingKey, unknown>> = {},
  options: { readonly signer?: Signer; readonly logger?: Logger; readonly metagraph?: MetagraphSource } = {},
): Promise<TestMiner> {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-e2e-'));
  if (minerDirs.push(dir) === 1) process.once('exit', removeMinerDirs);
  const file = join(dir, 'metagraph.json');
  await writeMetagraphFile(
    file,
    buildMetagraph(
      72,
      100,
      [
        { uid: 0, hotkey: KEYS.validator.ss58, stake: 50_000, validatorPermit: true, axon: null },
        { uid: 1, hotkey: KEYS.poorValidator.ss58, stake: 5, validatorPermit: true, axon: null },
        {
          uid: 2,
          hotkey: KEYS.otherMiner.ss58,
          stake: 100_000,
          validatorPermit: false,
          axon: { ip: '10.0.0.2', port: 8091 },
        },
        {
          uid: 3,
          hotkey: KEYS.miner.ss58,
          stake: 0,
          validatorPermit: false,
          axon: { ip: '127.0.0.1', port: 8091 },
        },
      ],
      Date.now(),
    ),
  );
  const config = loadConfig({
    defaults: {
      'axon.host': '127.0.0.1',
      'axon.port': 0,
      'metagraph.file': file,
      'blacklist.min_stake': 10,
      data_dir: dir,
      ...settings,
    },
  });
  const miner = await buildMiner(config, options.logger ?? silentLogger(), {
    signer: options.signer ?? KEYS.miner,
    ...(options.metagraph && { metagraph: options.metagraph }),
  });
  const address = await miner.start();
  return { miner, port: address.port, dir, stop: () => miner.stop() };
}

/** Writes a metagraph file (block 1) whose one neuron is KEYS.validator with a permit, for a miner started as a process. */
export function writeValidatorMetagraph(file: string): Promise<void> {
  return writeMetagraphFile(
    file,
    buildMetagraph(
      72,
      1,
      [{ uid: 0, hotkey: KEYS.validator.ss58, stake: 1000, validatorPermit: true, axon: null }],
      Date.now(),
    ),
  );
}

/** A real 224×224 JPEG (quality 75) of a synthetic street scene, as validators would send. */
export async function sceneJpeg(seed = 'e2e', roadwork = true): Promise<Buffer> {
  const scene = generateScene(createRng(seed), { roadwork, width: 320, height: 240 });
  return sharp(scene.rgb, { raw: { width: scene.width, height: scene.height, channels: 3 } })
    .resize(224, 224, { fit: 'cover' })
    .jpeg({ quality: 75 })
    .toBuffer();
}

/** Knobs of `signedRequest`, each making the request wrong (or different) in one way. */
export interface SignedRequestOptions {
  /** Who signs. Default KEYS.validator. */
  readonly signer?: Signer;
  /** The hotkey header, when it should differ from the signer's. */
  readonly claimedHotkey?: string;
  /** The axon hotkey signed for. Default KEYS.miner. */
  readonly axonHotkey?: string;
  readonly nonce?: bigint;
  readonly uuid?: string;
  readonly version?: number;
  /** Base64 image of an `ImageSynapse`. */
  readonly image?: string;
  /** All synapse fields (overrides `image`). */
  readonly fields?: Record<string, unknown>;
}

/** An `ImageSynapse` request to the miner on `port`, signed as a Python dendrite signs it (timeout 9 s). */
export function signedRequest(port: number, o: SignedRequestOptions = {}) {
  const signer = o.signer ?? KEYS.validator;
  return buildWireRequest(
    { name: 'ImageSynapse', fields: o.fields ?? imageSynapse(o.image ?? '').fields },
    { ip: '127.0.0.1', port, hotkey: o.axonHotkey ?? KEYS.miner.ss58 },
    {
      hotkey: o.claimedHotkey ?? signer.ss58,
      sign: (msg) => signer.sign(msg),
      uuid: o.uuid ?? randomUUID(),
      version: o.version ?? DEFAULT_DENDRITE_VERSION,
      externalIp: '127.0.0.1',
      nonce: o.nonce ?? BigInt(Date.now()) * 1_000_000n,
      timeoutS: 9,
    },
  );
}

/** Sends a `signedRequest` as JSON, with headers patched and the body replaced where given. */
export function postSigned(
  port: number,
  req: ReturnType<typeof signedRequest>,
  patch: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Reply> {
  return send(port, req.path, {
    headers: { ...req.headers, 'content-type': 'application/json', ...patch },
    body: body ?? req.body,
  });
}

/** What `send` resolves with; `json()` is loosely typed for brevity in assertions. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

/** A raw HTTP exchange on loopback. */
export function send(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  // An explicit length: Node sends DELETE bodies without one, which would read as a second request.
  const headers =
    options.body === undefined
      ? options.headers
      : { 'content-length': String(Buffer.byteLength(options.body)), ...options.headers };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    // The axon may answer (and close) before a rejected body is fully sent; that is the point.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}
