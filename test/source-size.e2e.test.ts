// Protocol 0.4 sends challenges at source size: real signed requests with real JPEG, PNG and WebP
// images from 224² to 40 MP are answered; bigger, bombs and floods are refused fast with codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { postSigned, send, sceneJpeg, signedRequest, startTestMiner, type TestMiner } from './_harness.js';

let m: TestMiner;
let scene: Buffer;

before(async () => {
  m = await startTestMiner();
  scene = await sceneJpeg('source-size');
});
after(() => m.stop());

function post(image: Buffer, version?: number) {
  const req = signedRequest(m.port, {
    image: image.toString('base64'),
    ...(version === undefined ? {} : { version }),
  });
  return postSigned(m.port, req);
}

/** The test scene upscaled to `width × height` (a real photo-like image, not a flat colour). */
function sized(width: number, height: number) {
  return sharp(scene).resize(width, height, { fit: 'fill' });
}

test('JPEG q75 challenges at 224², 1024², 1920×1080 and 4000×3000 are all answered with a prediction', async () => {
  const answers: number[] = [];
  for (const [w, h] of [
    [224, 224],
    [1024, 1024],
    [1920, 1080],
    [4000, 3000],
  ] as const) {
    const res = await post(await sized(w, h).jpeg({ quality: 75 }).toBuffer());
    assert.equal(res.status, 200, `${w}×${h}: ${res.text}`);
    const p = res.json().prediction;
    assert.ok(p >= 0 && p <= 1, `${w}×${h}: ${p}`);
    assert.equal(res.json().image, '');
    answers.push(p);
  }
  // The same square scene at two sizes of one route (the starter routes 2.0.4's ≤ 256 px challenges
  // and 0.4's source-size photos to different heads): one preprocessing policy makes them agree.
  const again = async (side: number) =>
    (await post(await sized(side, side).jpeg({ quality: 75 }).toBuffer())).json().prediction as number;
  const [small, large] = [await again(256), await again(2048)];
  assert.ok(Math.abs(answers[0]! - small) < 0.05, `answers at 224² and 256²: ${answers[0]}, ${small}`);
  assert.ok(Math.abs(answers[1]! - large) < 0.05, `answers at 1024² and 2048²: ${answers[1]}, ${large}`);
});

test('frames of every shape reach the tiled 0.4 route and are answered, a 40:1 strip without blowing up', async () => {
  // short-side keeps the shape: a 3:1 KITTI-like frame is three touching tiles, a portrait photo three
  // stacked ones, and a hostile 40:1 strip is fitted inside 4·448 px instead of growing to 40·448.
  for (const [w, h] of [
    [1242, 375],
    [1080, 1920],
    [8000, 200],
  ] as const) {
    const t = performance.now();
    const res = await post(await sized(w, h).jpeg({ quality: 75 }).toBuffer());
    assert.equal(res.status, 200, `${w}×${h}: ${res.text}`);
    const p = res.json().prediction;
    assert.ok(p >= 0 && p <= 1, `${w}×${h}: ${p}`);
    assert.ok(performance.now() - t < 10_000, `${w}×${h} took ${performance.now() - t} ms`);
  }
});

test('a 40 MP JPEG, a 40 MP PNG and a WebP are answered; a 16 MB body is answered', async () => {
  for (const [label, image] of [
    ['jpeg 7300×5500', await sized(7300, 5500).jpeg({ quality: 75 }).toBuffer()],
    ['png 7300×5500', await sized(7300, 5500).png({ compressionLevel: 1 }).toBuffer()],
    ['webp 2000×1500', await sized(2000, 1500).webp({ quality: 75 }).toBuffer()],
  ] as const) {
    const res = await post(image);
    assert.equal(res.status, 200, `${label}: ${res.text}`);
  }
  // Noise does not compress: a q90 JPEG of it is a body of more than 16 MB once in base64.
  const side = 3000;
  const noise = Buffer.alloc(side * side * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  const big = await sharp(noise, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 90, chromaSubsampling: '4:4:4' })
    .toBuffer();
  assert.ok(big.length * (4 / 3) > 16e6, `body of ${big.length} bytes`);
  const res = await post(big);
  assert.equal(res.status, 200, res.text);
});

test('an image over the pixel limit and a progressive scan bomb are refused in milliseconds', async () => {
  // A real JPEG whose frame header claims 8000×8000 (64 MP, over the 50 MP default).
  const over = Buffer.from(scene);
  const sof = over.indexOf(Buffer.from([0xff, 0xc0]));
  over.writeUInt16BE(8000, sof + 5);
  over.writeUInt16BE(8000, sof + 7);
  let t = performance.now();
  let res = await post(over);
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json().code, 'ERR_IMAGE_TOO_LARGE');
  assert.doesNotMatch(res.json().message, /224/);
  assert.ok(performance.now() - t < 1000);
  // A progressive JPEG whose last scan is repeated 300 times: every scan is another full pass.
  const progressive = await sized(1024, 1024).jpeg({ quality: 75, progressive: true }).toBuffer();
  const lastScan = progressive.lastIndexOf(Buffer.from([0xff, 0xda]));
  const tail = progressive.subarray(lastScan, progressive.length - 2);
  const bomb = Buffer.concat([
    progressive.subarray(0, progressive.length - 2),
    ...Array(300).fill(tail),
    Buffer.from([0xff, 0xd9]),
  ]);
  t = performance.now();
  res = await post(bomb);
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json().code, 'ERR_IMAGE_TOO_COMPLEX');
  assert.ok(performance.now() - t < 1000);
});

test('requests from 2.x and 0.4.x validators are counted by version and generation', async () => {
  assert.equal((await post(scene, 2004)).status, 200);
  assert.equal((await post(scene, 42)).status, 200);
  const metrics = await send(m.port, '/metrics', { method: 'GET' });
  assert.match(
    metrics.text,
    /roadwork_axon_validator_requests_total\{hotkey="5\w+",version="2004",generation="2\.x"\} 1/,
  );
  assert.match(
    metrics.text,
    /roadwork_axon_validator_requests_total\{hotkey="5\w+",version="42",generation="0\.4\.x"\} 1/,
  );
});
