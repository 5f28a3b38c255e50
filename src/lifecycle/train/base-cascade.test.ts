// A trained head bundled inside a base cascade: the stage it fits, the files that travel, the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRoadworkError } from '../../core/errors/index.js';
import { loadCascadeConfig } from '../../inference/cascade/index.js';
import { CASCADE_FILE, headline, verifyBundle } from '../registry/index.js';
import { planBaseCascade, type TrainedServing } from './_base-cascade.js';
import { writeTrainedBundle } from './_bundle.js';
import { STARTER_04_HEADS, STARTER_204_HEADS } from '../../../test/fixtures/starter-heads.js';

const STARTER = fileURLToPath(new URL('../../../models/starter/cascade.yaml', import.meta.url));
const MOBILENET = { runtime: 'tfjs', model: 'builtin:mobilenetv2' };
const AT_448 = { layer: 'out_relu', pooling: 'max', inputSize: 448, extras: ['colour-shape'] };
// As `roadwork train` builds them from the model card's two commands (JSON key order is not YAML's).
const TRAINED_04: TrainedServing = {
  embedders: [
    {
      ...MOBILENET,
      options: { tiles: 3, extras: ['colour-shape'], inputSize: 448, pooling: 'max', layer: 'out_relu' },
    },
  ],
  tta: true,
  preprocess: { size: 448, resize: 'short-side', kernel: 'linear' },
};
const TRAINED_204: TrainedServing = { embedders: [{ ...MOBILENET, options: AT_448 }], tta: true };

const baseError = (message: RegExp) => (e: unknown) =>
  isRoadworkError(e, 'ERR_BASE_CASCADE') && message.test(e.message);

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'base-cascade-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

test("a head trained as a starter route was picks that route's stage of the starter cascade", async () => {
  const at448 = await planBaseCascade(STARTER, TRAINED_04);
  assert.equal(at448.stage, 'starter-448');
  assert.equal(at448.heads, STARTER_04_HEADS.length, 'the 0.4 route serves its heads as one');
  assert.deepEqual(at448.replace, { from: 0, to: STARTER_04_HEADS.length }, 'all of them, without a range');
  const plan = await planBaseCascade(STARTER, TRAINED_204);
  assert.equal(plan.heads, STARTER_204_HEADS.length, 'the 2.0.4 route serves its own');
  // A run retraining the colour/shape heads of the 2.0.4 route names them by their places.
  const cs = await planBaseCascade(STARTER, TRAINED_204, { heads: { first: 6, last: 10 } });
  assert.deepEqual(cs.replace, { from: 5, to: 10 });
  assert.equal(plan.stage, 'starter');
  assert.equal(plan.route, 0);
  assert.equal(plan.version, 'starter-13');
});

test('a head that fits no stage is refused before training, saying what differs for each stage', async () => {
  // The train command's default backbone options: 224 px, global pooling.
  const plain: TrainedServing = {
    embedders: [{ ...MOBILENET, options: { extras: ['colour-shape'] } }],
    tta: true,
  };
  await assert.rejects(
    planBaseCascade(STARTER, plain),
    baseError(
      /fits no single stage of the base cascade .*cascade\.yaml: starter: embedder tfjs:builtin:mobilenetv2 \{.*\}, trained on tfjs:builtin:mobilenetv2 \{"extras":\["colour-shape"\]\} \| starter-448: embedder .*; preprocess 448 short-side linear, trained on 224 center-crop linear/,
    ),
  );
  await assert.rejects(
    planBaseCascade(STARTER, { ...TRAINED_04, tta: false }),
    baseError(/starter-448: hflip TTA, trained without it/),
  );
  // Named: it must exist, be a backbone-head stage, and fit.
  await assert.rejects(
    planBaseCascade(STARTER, TRAINED_04, { stage: 'nope' }),
    baseError(/has no stage "nope"; its stages are starter, starter-448, signs\./),
  );
  await assert.rejects(
    planBaseCascade(STARTER, TRAINED_04, { stage: 'signs' }),
    baseError(/"signs" is of kind ocr; a trained head replaces the head of a backbone-head stage/),
  );
  await assert.rejects(
    planBaseCascade(STARTER, TRAINED_04, { stage: 'starter' }),
    baseError(/starter: embedder .*; preprocess 224 center-crop linear, trained on 448 short-side linear/),
  );
  await assert.rejects(planBaseCascade('/nonexistent/cascade.yaml', TRAINED_04), baseError(/not found/));
  await inTemp(async (dir) => {
    await writeFile(join(dir, 'c.yaml'), 'stages: [');
    await assert.rejects(
      planBaseCascade(join(dir, 'c.yaml'), TRAINED_04),
      baseError(/cannot be read or parsed/),
    );
  });
});

test('the bundle is the starter with the new 0.4 head in place of its three: the 2.0.4 route, the signs stage and the exit stay', async () =>
  inTemp(async (dir) => {
    const head = join(dir, 'trained.json');
    await writeFile(head, '{"new": true}\n');
    const plan = await planBaseCascade(STARTER, TRAINED_04);
    const manifest = await writeTrainedBundle(join(dir, 'b'), {
      ...TRAINED_04,
      headFile: head,
      metrics: { mcc: 0.5 },
      base: plan,
    });
    assert.deepEqual(await verifyBundle(join(dir, 'b')), manifest);
    // The replaced heads' own numbers ride along (the starter's 0.4 route is an ensemble), so
    // `models diff` compares the route with itself.
    const replaced = await Promise.all(STARTER_04_HEADS.map((f) => headline(join(STARTER, '..', f))));
    assert.ok(replaced.every((r) => typeof r.mcc === 'number'));
    assert.deepEqual(manifest.metrics.base, {
      cascade: STARTER,
      version: 'starter-13',
      stage: 'starter-448',
      replaced,
    });
    // The 0.4 heads gave way to the one new head, under the first one's name.
    assert.deepEqual(
      manifest.files.map((f) => f.path).sort(),
      [CASCADE_FILE, STARTER_04_HEADS[0]!, ...STARTER_204_HEADS].sort(),
    );
    const written = JSON.parse(await readFile(join(dir, 'b', CASCADE_FILE), 'utf8'));
    const expected = structuredClone(plan.raw) as {
      version: string;
      routes: { stages: { head: unknown }[] }[];
    };
    expected.version = 'starter-13 + trained starter-448';
    expected.routes[1]!.stages[0]!.head = 'head-448.json';
    assert.deepEqual(
      written,
      expected,
      'only the version label and the 0.4 heads differ: same exits, stages',
    );
    assert.equal(await sha(join(dir, 'b', 'head-448.json')), await sha(head));
    assert.equal(await sha(join(dir, 'b', 'head.json')), await sha(join(STARTER, '..', 'head.json')));
    const served = await loadCascadeConfig(join(dir, 'b', CASCADE_FILE));
    assert.deepEqual(
      served.stages.map((s) => s.common.name),
      ['starter', 'starter-448', 'signs'],
    );
  }));

test('files outside the base folder and model folders travel into the bundle, the config renamed to match', async () =>
  inTemp(async (dir) => {
    const home = join(dir, 'cascades');
    await mkdir(join(home, 'models', 'local'), { recursive: true });
    await mkdir(join(dir, 'elsewhere'), { recursive: true });
    await writeFile(join(home, 'models', 'local', 'model.onnx'), 'weights');
    await writeFile(join(home, 'models', 'local', 'config.json'), '{}');
    await writeFile(join(dir, 'elsewhere', 'head.json'), 'shared head');
    await writeFile(join(dir, 'new-head.json'), 'new head');
    const cascade = {
      stages: [
        {
          name: 'a',
          kind: 'backbone-head',
          embedder: MOBILENET,
          head: '../elsewhere/head.json',
          exit: { high: 0.9, low: 0.1 },
        },
        {
          name: 'b',
          kind: 'backbone-head',
          embedder: { runtime: 'onnx', model: './models/local' },
          head: '../elsewhere/head.json',
        },
      ],
    };
    await writeFile(join(home, 'cascade.yaml'), JSON.stringify(cascade));
    const trained = { embedders: [MOBILENET], tta: false };
    const plan = await planBaseCascade(home + '/cascade.yaml', trained);
    assert.equal(plan.stage, 'a');
    assert.deepEqual(
      plan.files.map((f) => f.path),
      ['stages[0].head', 'stages[1].embedder.model', 'stages[1].head'],
    );
    const manifest = await writeTrainedBundle(join(dir, 'b'), {
      ...trained,
      headFile: join(dir, 'new-head.json'),
      metrics: {},
      base: plan,
    });
    await verifyBundle(join(dir, 'b'));
    // Stage b still reads the old head, so the new one gets its own name.
    assert.deepEqual(manifest.files.map((f) => f.path).sort(), [
      CASCADE_FILE,
      'files/head.json',
      'head-a.json',
      'models/local/config.json',
      'models/local/model.onnx',
    ]);
    const written = JSON.parse(await readFile(join(dir, 'b', CASCADE_FILE), 'utf8'));
    assert.equal(written.stages[0].head, 'head-a.json');
    assert.deepEqual(written.stages[0].exit, { high: 0.9, low: 0.1 });
    assert.equal(written.stages[1].head, 'files/head.json');
    assert.equal(written.stages[1].embedder.model, 'models/local');
    assert.equal(written.version, 'cascade.yaml + trained a');
    assert.equal(await readFile(join(dir, 'b', 'head-a.json'), 'utf8'), 'new head');
    // A bundle folder is a base too: its cascade.json.
    assert.equal((await planBaseCascade(join(dir, 'b'), trained)).stage, 'a');
    // A file the base names that is gone fails the bundle, naming it.
    await rm(join(dir, 'elsewhere', 'head.json'));
    await assert.rejects(
      writeTrainedBundle(join(dir, 'c'), {
        ...trained,
        headFile: join(dir, 'new-head.json'),
        metrics: {},
        base: plan,
      }),
      baseError(/file is missing: .*elsewhere\/head\.json \(stages\[1\]\.head of /),
    );
  }));

test('a head replaces every head of an ensemble stage; the files no other stage reads stay out', async () =>
  inTemp(async (dir) => {
    const overall = (mcc: number) => JSON.stringify({ metrics: { overall: { mcc: { value: mcc } } } });
    await writeFile(join(dir, 'a.json'), overall(0.5));
    await writeFile(join(dir, 'b.json'), overall(0.6));
    await writeFile(join(dir, 'new.json'), overall(0.7));
    const stage = { name: 'pair', kind: 'backbone-head', embedder: MOBILENET, head: ['a.json', 'b.json'] };
    await writeFile(join(dir, 'cascade.yaml'), JSON.stringify({ version: 'v1', stages: [stage] }));
    const trained = { embedders: [MOBILENET], tta: false };
    const plan = await planBaseCascade(join(dir, 'cascade.yaml'), trained);
    const manifest = await writeTrainedBundle(join(dir, 'b'), {
      ...trained,
      headFile: join(dir, 'new.json'),
      metrics: {},
      base: plan,
    });
    assert.deepEqual(manifest.files.map((f) => f.path).sort(), ['a.json', CASCADE_FILE]);
    const written = JSON.parse(await readFile(join(dir, 'b', CASCADE_FILE), 'utf8'));
    assert.equal(written.stages[0].head, 'a.json');
    assert.equal(await readFile(join(dir, 'b', 'a.json'), 'utf8'), overall(0.7));
    assert.deepEqual((manifest.metrics.base as { replaced: unknown }).replaced, [{ mcc: 0.5 }, { mcc: 0.6 }]);
  }));

test('an ensemble replaces an ensemble stage head by head, keeping its names; extra heads get fresh names', async () =>
  inTemp(async (dir) => {
    const overall = (mcc: number) => JSON.stringify({ metrics: { overall: { mcc: { value: mcc } } } });
    for (const [f, v] of [
      ['a.json', 0.5],
      ['b.json', 0.6],
      ['n1.json', 0.7],
      ['n2.json', 0.8],
      ['n3.json', 0.9],
    ] as const)
      await writeFile(join(dir, f), overall(v));
    const stage = { name: 'pair', kind: 'backbone-head', embedder: MOBILENET, head: ['a.json', 'b.json'] };
    // Another stage also reads b.json: it is copied for that stage, and the new heads leave it alone.
    const other = { ...stage, name: 'other', head: 'b.json' };
    await writeFile(join(dir, 'cascade.yaml'), JSON.stringify({ version: 'v1', stages: [stage] }));
    await writeFile(join(dir, 'shared.yaml'), JSON.stringify({ version: 'v1', stages: [stage, other] }));
    const trained = { embedders: [MOBILENET], tta: false };
    const bundle = async (cascade: string, out: string, heads: string[]) => {
      const plan = await planBaseCascade(join(dir, cascade), trained, { stage: 'pair' });
      const manifest = await writeTrainedBundle(join(dir, out), {
        ...trained,
        headFile: heads.map((h) => join(dir, h)),
        metrics: {},
        base: plan,
      });
      return { manifest, written: JSON.parse(await readFile(join(dir, out, CASCADE_FILE), 'utf8')) };
    };
    const three = await bundle('cascade.yaml', 'b3', ['n1.json', 'n2.json', 'n3.json']);
    assert.deepEqual(three.written.stages[0].head, ['a.json', 'b.json', 'head-pair.json']);
    for (const [name, from] of [
      ['a.json', 'n1.json'],
      ['b.json', 'n2.json'],
      ['head-pair.json', 'n3.json'],
    ] as const)
      assert.equal(await readFile(join(dir, 'b3', name), 'utf8'), await readFile(join(dir, from), 'utf8'));
    const shared = await bundle('shared.yaml', 'bs', ['n1.json', 'n2.json']);
    assert.deepEqual(shared.written.stages[0].head, ['head-pair.json', 'head-pair-2.json']);
    assert.equal(shared.written.stages[1].head, 'b.json');
    assert.deepEqual(shared.manifest.files.map((f) => f.path).sort(), [
      'b.json',
      CASCADE_FILE,
      'head-pair-2.json',
      'head-pair.json',
    ]);
    assert.equal(await readFile(join(dir, 'bs', 'b.json'), 'utf8'), overall(0.6));
  }));

test('--base-heads replaces a range of an ensemble stage, or adds after it; the other heads keep their places', async () =>
  inTemp(async (dir) => {
    const overall = (mcc: number) => JSON.stringify({ metrics: { overall: { mcc: { value: mcc } } } });
    const sources = { 'a.json': 0.1, 'b.json': 0.2, 'c.json': 0.3, 'n1.json': 0.7, 'n2.json': 0.8 };
    for (const [f, v] of Object.entries(sources)) await writeFile(join(dir, f), overall(v));
    const stage = {
      name: 'trio',
      kind: 'backbone-head',
      embedder: MOBILENET,
      head: ['a.json', 'b.json', 'c.json'],
    };
    await writeFile(join(dir, 'cascade.yaml'), JSON.stringify({ version: 'v1', stages: [stage] }));
    const trained = { embedders: [MOBILENET], tta: false };
    const bundle = async (out: string, first: number, last: number) => {
      const plan = await planBaseCascade(join(dir, 'cascade.yaml'), trained, { heads: { first, last } });
      const manifest = await writeTrainedBundle(join(dir, out), {
        ...trained,
        headFile: [join(dir, 'n1.json'), join(dir, 'n2.json')],
        metrics: {},
        base: plan,
      });
      await verifyBundle(join(dir, out));
      const written = JSON.parse(await readFile(join(dir, out, CASCADE_FILE), 'utf8'));
      const served = await Promise.all(
        (written.stages[0].head as string[]).map(async (h) => readFile(join(dir, out, h), 'utf8')),
      );
      return {
        heads: written.stages[0].head as string[],
        served: served.map(
          (t) =>
            (JSON.parse(t) as { metrics: { overall: { mcc: { value: number } } } }).metrics.overall.mcc.value,
        ),
        replaced: (manifest.metrics.base as { replaced: unknown }).replaced,
      };
    };
    // Heads 2-3: the two new heads take b's and c's places and names; a stays first, unchanged.
    assert.deepEqual(await bundle('b23', 2, 3), {
      heads: ['a.json', 'b.json', 'c.json'],
      served: [0.1, 0.7, 0.8],
      replaced: [{ mcc: 0.2 }, { mcc: 0.3 }],
    });
    // Head 1 alone: the first new head takes a's name, the second a fresh one, before b and c.
    assert.deepEqual(await bundle('b1', 1, 1), {
      heads: ['a.json', 'head-trio.json', 'b.json', 'c.json'],
      served: [0.7, 0.8, 0.2, 0.3],
      replaced: { mcc: 0.1 },
    });
    // Past the last head (4, or 4-9): the new heads join after the three, which all stay.
    for (const [out, last] of [
      ['b4', 4],
      ['b49', 9],
    ] as const)
      assert.deepEqual(await bundle(out, 4, last), {
        heads: ['a.json', 'b.json', 'c.json', 'head-trio.json', 'head-trio-2.json'],
        served: [0.1, 0.2, 0.3, 0.7, 0.8],
        replaced: [],
      });
    // A range starting past the end leaves a gap: refused with the stage's count.
    await assert.rejects(
      planBaseCascade(join(dir, 'cascade.yaml'), trained, { heads: { first: 5, last: 6 } }),
      (e: unknown) =>
        isRoadworkError(e, 'ERR_CONFIG_INVALID') &&
        /^Invalid --base-heads 5-6: stage trio serves 3 heads; start the range at 1 to 3 \(or 4 to add heads after them\)$/.test(
          e.message,
        ),
    );
  }));
