import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { isRoadworkError } from '../../core/errors/index.js';
import { createRng } from '../../core/random/index.js';
import { openImageFolder } from '../sources/index.js';
import { createSdxlClient, generateImages, roadworkPrompt } from './index.js';

interface FakeServer {
  readonly url: string;
  readonly requests: { path: string; body: Record<string, unknown> }[];
  maxInFlight: number;
  close(): Promise<void>;
}

// A local server speaking the AUTOMATIC1111 API: answers real PNGs made with sharp, orange when the
// prompt asks for cones; `failFirst` 503s and `delayMs` hold answers to exercise retries and timeouts.
async function startA1111(options: { failFirst?: number; delayMs?: number } = {}): Promise<FakeServer> {
  let failures = options.failFirst ?? 0;
  let inFlight = 0;
  const state: Omit<FakeServer, 'url' | 'close'> = { requests: [], maxInFlight: 0 };
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      state.requests.push({ path: req.url ?? '', body });
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, options.delayMs ?? 5));
      inFlight--;
      if (failures > 0) {
        failures--;
        res.writeHead(503).end('busy');
        return;
      }
      // The fake server paints roadwork prompts orange (either style), clear-road prompts grey.
      const orange =
        /cone|barrier|sign|worker|excavator|detour|asphalt|construction vehicle/.test(String(body.prompt)) &&
        !/no construction|normal road scene/.test(String(body.prompt));
      const png = await sharp({
        create: { width: 64, height: 64, channels: 3, background: orange ? '#ff8800' : '#607080' },
      })
        .png()
        .toBuffer();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ images: [png.toString('base64')], info: '{}' }));
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

test('txt2img() against a local AUTOMATIC1111-style server sends the validator settings and returns its PNG', async (t) => {
  const server = await startA1111();
  t.after(() => server.close());
  const client = createSdxlClient({ url: server.url });
  const png = await client.txt2img({ prompt: 'a street with orange traffic cones', seed: 7 });
  assert.equal((await sharp(png).metadata()).format, 'png');
  const { path, body } = server.requests[0]!;
  assert.equal(path, '/sdapi/v1/txt2img');
  assert.equal(body.steps, 25);
  assert.equal(body.cfg_scale, 8);
  assert.equal(body.seed, 7);
});

test('img2img() against a local AUTOMATIC1111-style server sends the init image at strength 0.7', async (t) => {
  const server = await startA1111();
  t.after(() => server.close());
  const init = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#123456' } })
    .png()
    .toBuffer();
  await createSdxlClient({ url: server.url }).img2img({ prompt: 'a road', image: init });
  const { path, body } = server.requests[0]!;
  assert.equal(path, '/sdapi/v1/img2img');
  assert.equal(body.denoising_strength, 0.7);
  assert.deepEqual(body.init_images, [init.toString('base64')]);
});

test('the client retries a 503 from a local AUTOMATIC1111-style server and gives up with ERR_MODEL_SERVER', async (t) => {
  const flaky = await startA1111({ failFirst: 1 });
  t.after(() => flaky.close());
  await createSdxlClient({ url: flaky.url, retries: 1, backoffMs: 1 }).txt2img({ prompt: 'x' });
  assert.equal(flaky.requests.length, 2);
  const down = await startA1111({ failFirst: 10 });
  t.after(() => down.close());
  await assert.rejects(
    createSdxlClient({ url: down.url, retries: 2, backoffMs: 1 }).txt2img({ prompt: 'x' }),
    (err) => isRoadworkError(err, 'ERR_MODEL_SERVER') && /503/.test(err.message),
  );
  assert.equal(down.requests.length, 3);
});

test('the client times out a slow local AUTOMATIC1111-style server with ERR_MODEL_SERVER', async (t) => {
  const slow = await startA1111({ delayMs: 500 });
  t.after(() => slow.close());
  await assert.rejects(
    createSdxlClient({ url: slow.url, timeoutMs: 50, retries: 0 }).txt2img({ prompt: 'x' }),
    (err) => isRoadworkError(err, 'ERR_MODEL_SERVER') && /within 50 ms/.test(err.message),
  );
});

test('generateImages() with a local AUTOMATIC1111-style server writes a balanced labelled folder within the concurrency cap', async (t) => {
  const server = await startA1111({ delayMs: 20 });
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-gen-'));
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = createSdxlClient({ url: server.url, concurrency: 2 });
  const result = await generateImages(client, dir, {
    n: 8,
    seed: 's',
    width: 64,
    height: 64,
    concurrency: 4,
  });
  assert.deepEqual(result, { files: 8, positives: 4 });
  assert.equal(server.maxInFlight, 2);
  const source = await openImageFolder(dir);
  assert.deepEqual(source.images.map((i) => i.label).sort(), [0, 0, 0, 0, 1, 1, 1, 1]);
  // The prompts steer the server: every roadwork image came back orange, every other grey-blue.
  for (const img of source.images) {
    const { dominant } = await sharp(await img.load()).stats();
    assert.equal(dominant.r > 200, img.label === 1, img.id);
  }
  assert.match(readFileSync(join(dir, 'manifest.csv'), 'utf8'), /^file,label,group,prompt\n/);
});

test('roadworkPrompt() in 2.0.4 style adds roadwork for label 1 and strips it for label 0', () => {
  const rng = createRng('p');
  assert.match(
    roadworkPrompt('a city street', 1, rng, '2.0.4').prompt,
    /^a city street, with .*(cone|sign|barrier|worker|excavator|detour|asphalt)/,
  );
  const neg = roadworkPrompt('a city street with traffic cones and a parked car', 0, rng, '2.0.4');
  assert.doesNotMatch(neg.prompt, /cones/);
  assert.match(neg.prompt, /a city street, a parked car, clear road with no construction/);
  assert.match(neg.negativePrompt, /traffic cones/);
});

test('roadworkPrompt() in 0.4 style: one sentence under 40 words, exactly one small element, normal-road negatives', () => {
  const rng = createRng('p04');
  const elements =
    /single orange traffic cone|one road worker|parked construction vehicle|temporary roadwork sign|small striped barrier/g;
  const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  for (let i = 0; i < 40; i++) {
    const { prompt } = roadworkPrompt(i % 2 ? long : 'a suburban road lined with trees', 1, rng);
    assert.ok(prompt.split(/\s+/).length < 40, `${prompt.split(/\s+/).length} words: ${prompt}`);
    assert.equal(prompt.match(elements)?.length, 1, prompt);
    assert.equal((prompt.match(/\./g) ?? []).length, 1, 'one sentence');
  }
  const neg = roadworkPrompt('a city street with traffic cones and a parked car', 0, rng);
  assert.match(
    neg.prompt,
    /^A realistic dashcam photo of a city street, a parked car, a normal road scene\.$/,
  );
  assert.match(neg.negativePrompt, /traffic cones/);
});
