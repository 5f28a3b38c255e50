// `roadwork serve` as a real process: it starts, answers, and on SIGTERM finishes in-flight work and exits 0.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { MINER_SECRET, sceneJpeg, signedRequest, writeValidatorMetagraph } from './_harness.js';

let child: ChildProcess;
let port = 0;
let stderr = '';

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-serve-'));
  const metagraph = join(dir, 'metagraph.json');
  await writeValidatorMetagraph(metagraph);
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/app/cli/main.ts',
      'serve',
      '--metagraph.file',
      metagraph,
      '--axon.host',
      '127.0.0.1',
      '--axon.port',
      '0',
      '--data_dir',
      dir,
    ],
    {
      cwd: new URL('..', import.meta.url),
      env: { ...process.env, ROADWORK_HOTKEY_SECRET: MINER_SECRET, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stderr?.setEncoding('utf8');
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
});
after(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

test('roadwork serve finishes an in-flight request after SIGTERM, then exits 0 and stops listening', async () => {
  const jpeg = (await sceneJpeg('serve')).toString('base64');
  const wire = signedRequest(port, { image: jpeg, uuid: 'serve-test' });
  const body = Buffer.from(wire.body);
  // Send the headers and half the body, so the request is in flight when the signal arrives.
  const req = request({
    host: '127.0.0.1',
    port,
    path: wire.path,
    method: 'POST',
    headers: { ...wire.headers, 'content-length': String(body.length) },
  });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
  req.write(body.subarray(0, body.length >> 1));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  req.end(body.subarray(body.length >> 1));
  const res = await answer;
  assert.equal(res.status, 200, res.text);
  const p = JSON.parse(res.text).prediction;
  assert.ok(p >= 0 && p <= 1);
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, stderr);
  assert.match(stderr, /Miner stopped/);
  await assert.rejects(
    new Promise((resolve, reject) =>
      request({ host: '127.0.0.1', port, path: '/health' }, resolve).on('error', reject).end(),
    ),
    /ECONNREFUSED/,
  );
});
