// `roadwork retrain` end to end: real training on procedural scenes, the real gate, a local hub.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { textSink } from '../../../test/fixtures/streams.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { loadConfig } from '../../core/config/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { startHubServer } from '../../inference/hub/_test-hub-server.js';
import { listPublications } from '../../lifecycle/publish/index.js';
import { imageKey } from '../../lifecycle/querylog/index.js';
import { answered, writeQueryLog } from '../../lifecycle/querylog/_test-querylog.js';
import { listVersions, productionHistory, productionVersion } from '../../lifecycle/registry/index.js';
import { hotkeyFromSecret } from '../../wire/wallet/index.js';
import { queryLogData } from './_retrain-querylog.js';
import {
  dataFoldersOf,
  parseInterval,
  retrainCommand,
  type RetrainDeps,
  type RetrainResult,
} from './retrain.js';
import { inSceneFolder, views2004 } from './_test-scenes.js';

const TOKEN = 'hf_retrain_test';

async function retrain(args: string[], env: Record<string, string> = {}, deps: RetrainDeps = {}) {
  const out = textSink();
  const err = textSink();
  const command = retrainCommand(env, {
    loadSigner: () => hotkeyFromSecret('//Alice'),
    stdout: out.stream,
    stderr: err.stream,
    ...deps,
  });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return {
    results: out
      .text()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RetrainResult),
    err: err.text(),
  };
}

test(
  'retrain trains and registers a version, promotes it only through the gate, and publishes a promoted one',
  { timeout: 600_000 },
  () =>
    inSceneFolder('retrain-', async (root, data) => {
      const state = join(root, 'state');
      const trainArgs = ['--', ...views2004(root, data), '--l2', '1'];
      const gate = [
        '--challenges',
        'synth:16',
        '--n',
        '16',
        '--data_dir',
        state,
        '--model.workers',
        '1',
        '--json',
      ];

      // A margin no model can reach: registered, not promoted, production unchanged (the starter).
      const refused = await retrain([...gate, '--margin', '2', ...trainArgs]);
      assert.equal(refused.results.length, 1);
      const first = refused.results[0]!;
      assert.equal(first.promoted, false);
      assert.match(first.reason ?? '', /Promotion refused/);
      // Production is the starter, whose stages read MobileNetV2 at 448 px: this head fits none.
      assert.match(
        refused.err,
        /Bundling the head alone \(a one-stage cascade\): The trained head fits no single stage/,
      );
      const store = openStore(storeFile(state), { readonly: true });
      try {
        assert.ok(listVersions(store).some((v) => v.id === first.version));
        assert.notEqual(productionVersion(store)?.id, first.version);
        assert.equal(productionHistory(store).length, 1, 'only the starter was ever production');
      } finally {
        store.close();
      }

      // Any model passes a margin of -2: promoted, then published to the hub.
      const hub = await startHubServer({}, { token: TOKEN });
      try {
        const passed = await retrain(
          [
            ...gate,
            '--margin',
            '-2',
            '--publish',
            '--repo',
            'alice/roadwork',
            '--models.hub_url',
            hub.url,
            ...trainArgs,
          ],
          { HF_TOKEN: TOKEN },
        );
        const second = passed.results[0]!;
        assert.equal(second.promoted, true);
        assert.match(second.published ?? '', new RegExp(`^${hub.url}/alice/roadwork/commit/`));
        assert.ok(hub.repos['alice/roadwork']?.['model_card.json']);
        const after = openStore(storeFile(state), { readonly: true });
        try {
          assert.equal(productionVersion(after)?.id, second.version);
          assert.equal(listPublications(after)[0]?.version, second.version);
        } finally {
          after.close();
        }
      } finally {
        await hub.close();
      }

      // --every runs until stopped; a stop during a cycle ends the loop after it, without waiting.
      const stop = new AbortController();
      const lines: string[] = [];
      const stopping = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          stop.abort();
          done();
        },
      });
      const looped = await retrain(
        [...gate, '--margin', '2', '--every', '1h', ...trainArgs],
        {},
        {
          signal: stop.signal,
          stdout: stopping,
        },
      );
      assert.equal(lines.length, 1);
      const third = JSON.parse(lines[0]!) as RetrainResult;
      assert.equal(third.promoted, false);
      // Production is now the second head's bundle: the third head takes its stage's place.
      assert.match(looped.err, /Base cascade .*: the trained head replaces stage trained's head/);
      const registered = openStore(storeFile(state), { readonly: true });
      try {
        const version = listVersions(registered).find((v) => v.id === third.version);
        assert.equal((version?.manifest.metrics.base as { stage?: string } | undefined)?.stage, 'trained');
      } finally {
        registered.close();
      }
      assert.doesNotMatch(looped.err, /next cycle at/);
    }),
);

test('retrain checks its flags before training', async () => {
  for (const [args, message] of [
    [['--every', '5x', '--', '--data', '/nonexistent'], /Invalid --every: "5x"/],
    [
      ['--margin', 'x', '--', '--data', '/nonexistent'],
      /^--margin is not a number: "x"\. Give e\.g\. --margin 0\.02\./,
    ],
    [['--n', '1', '--', '--data', '/nonexistent'], /^--n is not a whole number of at least 2: "1"/],
    [['--publish', '--', '--data', '/nonexistent'], /No model repository/],
  ] as const) {
    await assert.rejects(
      retrain([...args]),
      (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && message.test(e.message),
    );
  }
  assert.equal(parseInterval('90s'), 90_000);
  assert.equal(parseInterval('1.5h'), 5_400_000);
  assert.equal(parseInterval('1d'), 86_400_000);
  assert.throws(() => parseInterval('0.5s'), /at least a second/);
});

/** A query log in `<dir>`, written by the real writer: one request per colour, the first `labelled` labelled. */
async function queryLogIn(
  dir: string,
  colours: readonly (readonly [number, number, number])[],
  labelled: number,
): Promise<string[]> {
  const requests = await Promise.all(colours.map((c) => answered(c)));
  await writeQueryLog(
    { dataDir: dir, storeUrl: '' },
    requests,
    requests.slice(0, labelled).map((r, i) => ({
      sha256: imageKey(r.image),
      label: i % 2 === 0 ? 1 : 0,
      source: 'operator' as const,
      at: i,
      by: 'test',
    })),
  );
  return requests.map((r) => imageKey(r.image));
}

test('retrain with nothing to train on fails with ERR_RETRAIN_NO_DATA, saying what to pass with an example', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'retrain-nodata-'));
  try {
    const state = ['--data_dir', join(dir, 'state')];
    const noData = (why: RegExp) => (e: unknown) =>
      isRoadworkError(e, 'ERR_RETRAIN_NO_DATA') &&
      /^No training data for roadwork retrain: no --data after -- and /.test(e.message) &&
      /Pass roadwork train's flags after --, at least --data with a folder of pos\/ and neg\/ images/.test(
        e.message,
      ) &&
      /e\.g\.: roadwork retrain -- --data \.\.\/photos --protocol 0\.4$/.test(e.message) &&
      why.test(e.message);
    // Nothing at all, and no query log in data_dir (none is created by looking).
    await assert.rejects(retrain([...state]), noData(/no query log in data_dir/));
    // Train flags without --data, the query log left out: refused before any cycle.
    await assert.rejects(
      retrain([...state, '--no-querylog', '--', '--protocol', '0.4']),
      noData(/--no-querylog/),
    );
    // A query log with 3 labelled images of 5, under --querylog-min.
    await queryLogIn(
      join(dir, 'state'),
      [
        [250, 0, 0],
        [0, 250, 0],
        [0, 0, 250],
        [250, 250, 0],
        [0, 250, 250],
      ],
      3,
    );
    await assert.rejects(
      retrain([...state, '--querylog-min', '4']),
      noData(/the query log gives none \(3 labelled images, fewer than --querylog-min 4\)/),
    );
    await assert.rejects(
      retrain([...state, '--querylog-min', '0']),
      (e) =>
        isRoadworkError(e, 'ERR_CONFIG_INVALID') &&
        /--querylog-min is not a whole number of at least 1: "0"/.test(e.message),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the query log step exports the labelled images as a training folder, less those a --data folder holds', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'retrain-querylog-'));
  try {
    const colours = [
      [250, 0, 0],
      [0, 250, 0],
      [0, 0, 250],
      [250, 250, 0],
      [0, 250, 250],
      [9, 9, 9],
    ] as const;
    const keys = await queryLogIn(join(dir, 'state'), colours, 5);
    const settings = loadConfig({ defaults: { data_dir: join(dir, 'state') }, env: {} });
    // An earlier export of the first image sits in the operator's --data folder under the same path.
    const photos = join(dir, 'photos');
    await mkdir(join(photos, 'pos'), { recursive: true });
    await mkdir(join(photos, 'neg'), { recursive: true });
    await writeFile(join(photos, 'pos', `${keys[0]}.jpg`), 'same name, same image');
    await writeFile(join(photos, 'neg', 'n.jpg'), 'another');
    const tmp = join(dir, 'cycle');
    const used = await queryLogData(settings, tmp, { min: 4, dataFolders: [photos] });
    assert.deepEqual(
      { ...used, folder: used.folder?.slice(tmp.length) },
      { folder: '/querylog', images: 4, positives: 2, duplicates: 1 },
    );
    const few = await queryLogData(settings, join(dir, 'cycle2'), { min: 5, dataFolders: [photos] });
    assert.equal(few.folder, undefined);
    assert.equal(few.reason, '4 labelled images, fewer than --querylog-min 5');
    assert.deepEqual(dataFoldersOf(['--data', 'a', '--l2', '1', '--data=b']), ['a', 'b']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
