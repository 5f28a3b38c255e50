// deploy/nginx/roadwork-miner.conf run by Debian's nginx on loopback in front of a real miner: signed
// requests are answered through it, and every attack case is still refused (by nginx or by the miner).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { SCHEMA } from '../src/core/config/index.js';
import { createDendrite, imageSynapse } from '../src/wire/protocol/index.js';
import {
  KEYS,
  postSigned,
  sceneJpeg,
  send,
  signedRequest,
  startTestMiner,
  type TestMiner,
} from './_harness.js';
import { stopChild } from './fixtures/processes.js';
import { programMissing, requirement } from './fixtures/requirements.js';
import { freePort } from '../src/validation/eval/local/index.js';

const NGINX = '/usr/sbin/nginx';
const RECIPE = readFileSync(new URL('../deploy/nginx/roadwork-miner.conf', import.meta.url), 'utf8');
const skip = requirement(programMissing(NGINX, 'nginx'));

/** Replaces `from` by `to` in `text`, failing if it is not there exactly once (the recipe changed). */
function once(text: string, from: string, to: string): string {
  assert.equal(text.split(from).length, 2, `the recipe should hold "${from}" once`);
  return text.replace(from, to);
}

/**
 * The recipe with only its ports and listen addresses changed, inside a minimal nginx.conf whose pid,
 * logs and temporary files live in `dir`. As root, workers run as nobody (as Debian's run as www-data).
 */
function nginxConf(dir: string, nginxPort: number, minerPort: number): string {
  let site = once(RECIPE, 'listen 8091;', `listen 127.0.0.1:${nginxPort};`);
  site = once(site, 'listen [::]:8091;', '');
  site = once(site, 'server 127.0.0.1:8092;', `server 127.0.0.1:${minerPort};`);
  writeFileSync(join(dir, 'site.conf'), site);
  const root = process.getuid?.() === 0;
  return [
    'daemon off;',
    'worker_processes 1;',
    root ? 'user nobody nogroup;' : '',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log info;`,
    'events { worker_connections 64; }',
    'http {',
    `  access_log ${dir}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t}_temp;`),
    `  include ${dir}/site.conf;`,
    '}',
  ].join('\n');
}

let miner: TestMiner;
let nginx: ChildProcess | undefined;
let port = 0;
let dir = '';
const lines: Record<string, unknown>[] = [];
let jpeg = '';

async function waitForPort(p: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(p, '127.0.0.1', () => resolve(s.end() !== undefined));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until)
      throw new Error(`nginx did not listen: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    await sleep(50);
  }
}

before(async () => {
  if (skip !== false) return;
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  // nginx connects from 127.0.0.1; the test's clients come from other loopback addresses.
  miner = await startTestMiner({ 'axon.trust_proxy': ['127.0.0.1/32'] }, { logger });
  jpeg = (await sceneJpeg()).toString('base64');
  dir = mkdtempSync(join(tmpdir(), 'roadwork-nginx-'));
  chmodSync(dir, 0o755);
  port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf(dir, port, miner.port));
  execFileSync(NGINX, ['-t', '-q', '-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: 'pipe' });
  nginx = spawn(NGINX, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  await waitForPort(port, 10_000);
});

after(async () => {
  await stopChild(nginx, 'SIGQUIT'); // nginx finishes its requests on SIGQUIT
  await miner?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** A raw exchange from `localAddress`: writes `head`, then `body` in `chunks` spaced `gapMs` apart. */
function rawExchange(
  head: string,
  options: { body?: string; chunks?: number; gapMs?: number; localAddress?: string } = {},
): Promise<{ text: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port, localAddress: options.localAddress });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => resolve({ text, ms: Date.now() - t0 }));
    socket.on('connect', async () => {
      socket.write(head);
      const body = options.body ?? '';
      const n = options.chunks ?? 1;
      const size = Math.ceil(body.length / n);
      for (let i = 0; i < n && !socket.destroyed; i++) {
        if (i > 0) await sleep(options.gapMs ?? 0);
        socket.write(body.slice(i * size, (i + 1) * size));
      }
    });
  });
}

/** The request head of a signed request (HTTP/1.1, closing), with its length or a declared one. */
function head(req: ReturnType<typeof signedRequest>, contentLength = Buffer.byteLength(req.body)): string {
  const headers = {
    ...req.headers,
    'content-type': 'application/json',
    'content-length': String(contentLength),
  };
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `POST ${req.path} HTTP/1.1\r\nhost: miner\r\nconnection: close\r\n${lines.join('\r\n')}\r\n\r\n`;
}

async function requestCount(): Promise<number> {
  const text = await miner.miner.metrics.registry.getSingleMetricAsString('roadwork_axon_requests_total');
  return [...text.matchAll(/^roadwork_axon_requests_total\{.*\} (\d+)$/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
}

test("the recipe refuses bodies above the axon's limit: client_max_body_size is limits.max_body_bytes", () => {
  const [, size = '', unit = ''] = /client_max_body_size (\d+)([km]?);/.exec(RECIPE) ?? [];
  const bytes = Number(size) * (unit === 'm' ? 1 << 20 : unit === 'k' ? 1 << 10 : 1);
  assert.equal(bytes, SCHEMA['limits.max_body_bytes'].default);
  assert.match(RECIPE, /^\s*underscores_in_headers on;$/m);
});

test(
  'signed requests are answered through nginx, bt_header_* both ways',
  { skip, timeout: 30_000 },
  async () => {
    const dendrite = createDendrite({ signer: KEYS.validator });
    try {
      const result = await dendrite.call(
        { ip: '127.0.0.1', port, hotkey: KEYS.miner.ss58 },
        imageSynapse(jpeg),
        {
          timeoutS: 9,
        },
      );
      assert.equal(result.statusCode, 200, result.statusMessage);
      const p = result.fields?.prediction as number;
      assert.ok(p >= 0 && p <= 1, String(p));
      // The same image straight to the miner gets the same answer: the proxy changes nothing.
      const direct = await postSigned(miner.port, signedRequest(miner.port, { image: jpeg }));
      assert.equal(direct.json().prediction, p);
    } finally {
      dendrite.close();
    }
    const res = await postSigned(port, signedRequest(port, { image: jpeg }));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.bt_header_axon_status_code, '200');
    assert.equal(res.headers.bt_header_axon_hotkey, KEYS.miner.ss58);
    assert.equal((await send(port, '/health', { method: 'GET' })).status, 200);
    assert.equal(
      (await send(port, '/metrics', { method: 'GET' })).status,
      403,
      '/metrics is not served through nginx',
    );
  },
);

test(
  'through nginx, forged signatures, replays, stale nonces and unknown hotkeys are refused',
  { skip, timeout: 30_000 },
  async () => {
    const expect = async (res: Awaited<ReturnType<typeof postSigned>>, status: number, code: string) => {
      assert.equal(res.status, status, res.text);
      assert.equal(res.json().code, code, res.text);
    };
    const forged = signedRequest(port, {
      image: jpeg,
      signer: KEYS.stranger,
      claimedHotkey: KEYS.validator.ss58,
    });
    await expect(await postSigned(port, forged), 401, 'ERR_SIGNATURE_MISMATCH');
    const once = signedRequest(port, { image: jpeg });
    assert.equal((await postSigned(port, once)).status, 200);
    await expect(await postSigned(port, once), 401, 'ERR_NONCE_REPLAYED');
    const stale = BigInt(Date.now() - 60_000) * 1_000_000n;
    await expect(
      await postSigned(port, signedRequest(port, { image: jpeg, nonce: stale })),
      401,
      'ERR_NONCE_STALE',
    );
    await expect(
      await postSigned(port, signedRequest(port, { image: jpeg, signer: KEYS.stranger })),
      403,
      'ERR_CALLER_UNKNOWN',
    );
  },
);

test(
  'an oversized body is refused by nginx before the miner sees it',
  { skip, timeout: 30_000 },
  async () => {
    const before = await requestCount();
    const req = signedRequest(port, { image: jpeg });
    const { text } = await rawExchange(head(req, SCHEMA['limits.max_body_bytes'].default + 1));
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.equal(await requestCount(), before);
  },
);

test(
  'a stalled body is cut by nginx after client_body_timeout, never reaching the miner',
  { skip, timeout: 30_000 },
  async () => {
    const before = await requestCount();
    const req = signedRequest(port, { image: jpeg });
    // Headers and a tenth of the body, then silence: the second part never comes.
    const { ms } = await rawExchange(head(req), { body: req.body.slice(0, req.body.length / 10) });
    assert.ok(ms >= 4500 && ms < 9000, `closed after ${ms} ms; client_body_timeout is 5 s`);
    assert.equal(await requestCount(), before, 'the miner never held the slow request');
  },
);

test(
  'a body trickled past the nonce window reaches the miner stale and is refused',
  { skip, timeout: 30_000 },
  async () => {
    // The window is 4 s + the 9 s timeout: a nonce 10 s old is still fresh when sent at once...
    const nonce = () => BigInt(Date.now() - 10_000) * 1_000_000n;
    const prompt = signedRequest(port, { image: jpeg, nonce: nonce() });
    assert.match((await rawExchange(head(prompt), { body: prompt.body })).text, /^HTTP\/1\.1 200 /);
    // ...but not once its body has taken 5 s to arrive, a piece a second (each under client_body_timeout).
    const slow = signedRequest(port, { image: jpeg, nonce: nonce() });
    const { text, ms } = await rawExchange(head(slow), { body: slow.body, chunks: 6, gapMs: 1000 });
    assert.ok(ms >= 5000, String(ms));
    assert.match(text, /^HTTP\/1\.1 401 /);
    assert.match(text, /ERR_NONCE_STALE/);
  },
);

test(
  'the miner logs the client nginx forwards, and not an address the client claims',
  { skip, timeout: 30_000 },
  async () => {
    const req = signedRequest(port, { image: jpeg });
    const spoofed = head(req).replace(
      '\r\n\r\n',
      '\r\nx-forwarded-for: 10.9.9.9\r\nx-real-ip: 10.9.9.9\r\n\r\n',
    );
    const { text } = await rawExchange(spoofed, { body: req.body, localAddress: '127.0.0.3' });
    assert.match(text, /^HTTP\/1\.1 200 /);
    const answered = lines.filter((l) => l.msg === 'Answered');
    assert.equal(answered.at(-1)?.ip, '127.0.0.3');
  },
);
