import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../../core/errors/index.js';
import {
  modelCacheFolder,
  parseModelSource,
  pullModel,
  resolveModelFolder,
  type DownloadProgress,
} from './index.js';
import { startHubServer, type HubRepos } from './_test-hub-server.js';

const weights = new Uint8Array(50_000).map((_, i) => (i * 7919) % 251);
const repos: HubRepos = {
  'acme/tiny': {
    'config.json': new TextEncoder().encode('{"model_type":"dinov2"}'),
    'preprocessor_config.json': new TextEncoder().encode('{"size":{"height":8,"width":8}}'),
    'onnx/model.onnx': weights,
    'onnx/model_quantized.onnx': weights.subarray(0, 100),
    'README.md': new TextEncoder().encode('# tiny'),
  },
};
const files = ['*.json', 'onnx/model.onnx'];

async function withCache<T>(fn: (cacheDir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('parseModelSource() tells repo ids, revisions and local folders apart', () => {
  assert.deepEqual(parseModelSource('acme/tiny'), { kind: 'hub', repo: 'acme/tiny', revision: 'main' });
  assert.deepEqual(parseModelSource('acme/tiny@v1.0'), { kind: 'hub', repo: 'acme/tiny', revision: 'v1.0' });
  assert.deepEqual(parseModelSource('/srv/models/x'), { kind: 'local', path: '/srv/models/x' });
  assert.equal(parseModelSource('./x').kind, 'local');
  assert.throws(
    () => parseModelSource('not a model'),
    (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID'),
  );
  assert.equal(modelCacheFolder('/c', 'acme/tiny', 'refs/pr/1'), '/c/acme--tiny/refs%2Fpr%2F1');
});

test('pullModel() downloads the selected files from a local hub server, following its CDN redirect', async () => {
  const hub = await startHubServer(repos);
  try {
    await withCache(async (cacheDir) => {
      const progress: DownloadProgress[] = [];
      const result = await pullModel(
        'acme/tiny',
        { cacheDir, offline: false, hubUrl: hub.url },
        { files, onProgress: (p) => progress.push(p) },
      );
      assert.equal(result.folder, join(cacheDir, 'acme--tiny', 'main'));
      assert.deepEqual([...result.files].sort(), [
        'config.json',
        'onnx/model.onnx',
        'preprocessor_config.json',
      ]);
      assert.equal(result.downloaded, 3);
      assert.deepEqual(new Uint8Array(await readFile(join(result.folder, 'onnx/model.onnx'))), weights);
      assert.equal(await stat(join(result.folder, 'README.md')).catch(() => 'absent'), 'absent');
      assert.ok(
        hub.requests.some((r) => r.path.startsWith('/cdn/')),
        'the weights came through the CDN redirect',
      );
      const last = progress.filter((p) => p.file === 'onnx/model.onnx').at(-1);
      assert.deepEqual([last?.loaded, last?.total, last?.fileCount], [weights.length, weights.length, 3]);
      assert.deepEqual((await readdir(join(result.folder, 'onnx'))).sort(), ['model.onnx'], 'no .part left');
    });
  } finally {
    await hub.close();
  }
});

test('resolveModelFolder() reuses the cache without the network once the local hub server is stopped', async () => {
  await withCache(async (cacheDir) => {
    const hub = await startHubServer(repos);
    const ctx = { cacheDir, offline: false, hubUrl: hub.url };
    const first = await resolveModelFolder('acme/tiny', ctx, { files });
    await hub.close();
    assert.equal(await resolveModelFolder('acme/tiny', ctx, { files }), first);
    assert.equal(
      await resolveModelFolder('acme/tiny', { ...ctx, offline: true }, { files: ['config.json'] }),
      first,
    );
  });
});

test('resolveModelFolder() in offline mode names the missing file and the pull command', async () => {
  await withCache(async (cacheDir) => {
    await assert.rejects(
      resolveModelFolder('acme/tiny', { cacheDir, offline: true, hubUrl: 'http://127.0.0.1:9' }, { files }),
      (e) =>
        isRoadworkError(e, 'ERR_MODEL_LOAD') &&
        /onnx\/model\.onnx/.test(e.message) &&
        /roadwork models pull acme\/tiny/.test(e.message),
    );
  });
});

test('resolveModelFolder() fails with the URL and HTTP 404 for a repo or file the local hub server lacks', async () => {
  const hub = await startHubServer(repos);
  try {
    await withCache(async (cacheDir) => {
      const ctx = { cacheDir, offline: false, hubUrl: hub.url };
      await assert.rejects(
        resolveModelFolder('acme/missing', ctx),
        (e) =>
          isRoadworkError(e, 'ERR_MODEL_LOAD') &&
          /HTTP 404/.test(e.message) &&
          e.message.includes(`${hub.url}/api/models/acme/missing`),
      );
      await assert.rejects(
        resolveModelFolder('acme/tiny', ctx, { files: ['onnx/model_fp16.onnx'] }),
        (e) =>
          isRoadworkError(e, 'ERR_MODEL_LOAD') &&
          /acme\/tiny@main has no "onnx\/model_fp16\.onnx"/.test(e.message),
      );
    });
  } finally {
    await hub.close();
  }
});

test('pullModel() sends the token to the local hub server but never to the CDN it redirects to', async () => {
  const hub = await startHubServer(repos, { token: 'hf_secret' });
  try {
    await withCache(async (cacheDir) => {
      await assert.rejects(
        pullModel('acme/tiny', { cacheDir, offline: false, hubUrl: hub.url }, { files }),
        (e) =>
          isRoadworkError(e, 'ERR_MODEL_LOAD') && /HTTP 401/.test(e.message) && /HF_TOKEN/.test(e.message),
      );
      const result = await pullModel(
        'acme/tiny',
        { cacheDir, offline: false, hubUrl: hub.url, hubToken: 'hf_secret' },
        { files },
      );
      assert.equal(result.downloaded, 3);
      const hubHits = hub.requests.filter(
        (r) => !r.path.startsWith('/cdn/') && r.authorization !== undefined,
      );
      assert.ok(hubHits.every((r) => r.authorization === 'Bearer hf_secret') && hubHits.length >= 4);
      assert.ok(
        hub.requests.filter((r) => r.path.startsWith('/cdn/')).every((r) => r.authorization === undefined),
      );
    });
  } finally {
    await hub.close();
  }
});

test('pullModel() resumes a download the local hub server cut off, and the checked file is whole', async () => {
  const hub = await startHubServer(repos, { cutFirstCdnAfter: 20_000 });
  try {
    await withCache(async (cacheDir) => {
      const ctx = { cacheDir, offline: false, hubUrl: hub.url };
      await assert.rejects(pullModel('acme/tiny', ctx, { files }), (e) =>
        isRoadworkError(e, 'ERR_MODEL_LOAD'),
      );
      const part = join(modelCacheFolder(cacheDir, 'acme/tiny', 'main'), 'onnx/model.onnx.part');
      assert.ok((await stat(part)).size > 0, 'a partial file was kept');
      const result = await pullModel('acme/tiny', ctx, { files });
      assert.deepEqual(new Uint8Array(await readFile(join(result.folder, 'onnx/model.onnx'))), weights);
      assert.ok(
        hub.requests.some((r) => r.range !== undefined && r.range !== 'bytes=0-'),
        'the second run sent a Range',
      );
    });
  } finally {
    await hub.close();
  }
});

test('pullModel() redoes from zero a resumed file whose bytes do not match the ETag', async () => {
  await withCache(async (cacheDir) => {
    const folder = modelCacheFolder(cacheDir, 'acme/tiny', 'main');
    const hub = await startHubServer(repos);
    try {
      // A stale .part of other bytes: resuming after it gives the right size but the wrong sha256.
      await mkdir(join(folder, 'onnx'), { recursive: true });
      await writeFile(join(folder, 'onnx/model.onnx.part'), new Uint8Array(1000).fill(9));
      const result = await pullModel('acme/tiny', { cacheDir, offline: false, hubUrl: hub.url }, { files });
      assert.deepEqual(new Uint8Array(await readFile(join(result.folder, 'onnx/model.onnx'))), weights);
      const cdn = hub.requests.filter((r) => r.path.startsWith('/cdn/'));
      assert.deepEqual(
        cdn.map((r) => r.range),
        ['bytes=1000-', undefined],
      );
    } finally {
      await hub.close();
    }
  });
});

test('resolveModelFolder() uses a local folder in place and names a missing file', async () => {
  await withCache(async (dir) => {
    await writeFile(join(dir, 'config.json'), '{}');
    const ctx = { cacheDir: join(dir, 'cache'), offline: true };
    assert.equal(await resolveModelFolder(dir, ctx, { files: ['config.json'] }), dir);
    await assert.rejects(
      resolveModelFolder(dir, ctx, { files: ['config.json', 'onnx/model.onnx'] }),
      (e) => isRoadworkError(e, 'ERR_MODEL_LOAD') && e.message.includes(join(dir, 'onnx/model.onnx')),
    );
  });
});
