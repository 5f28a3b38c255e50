// The query log end to end: a real miner logs what `roadwork eval` sends it, and eval records each
// challenge's label by image hash, so the logged traffic comes out labelled — on SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL } from '../src/app/miner/index.js';
import { evalCommand } from '../src/app/cli/eval.js';
import { openQueryStore, queryStats } from '../src/lifecycle/querylog/index.js';
import { postgresMissing, startTestPostgres, type TestPostgres } from '../src/core/store/_test-postgres.js';
import type { EvalRecord } from '../src/validation/eval/index.js';
import { requirement } from './fixtures/requirements.js';
import { KEYS, startTestMiner } from './_harness.js';

const N = 12;
const pgSkip = requirement(postgresMissing());
let server: TestPostgres | undefined;
const out = mkdtempSync(join(tmpdir(), 'roadwork-qlog-e2e-'));
after(() => rmSync(out, { recursive: true, force: true }));
if (pgSkip === false) {
  before(async () => {
    server = await startTestPostgres();
  });
  after(() => server?.stop());
} else console.log(`# PostgreSQL query log e2e ${pgSkip}`);

function sink() {
  const chunks: string[] = [];
  return { isTTY: false, write: (t: string) => chunks.push(t), text: () => chunks.join('') };
}

for (const backend of [
  { name: 'SQLite', skip: false as const, url: async () => '' },
  { name: 'PostgreSQL', skip: pgSkip, url: () => server!.createDatabase('e2e') },
]) {
  describe(`on ${backend.name}`, { skip: backend.skip }, () => {
    test(
      'a miner logs every eval challenge, and eval labels them by image hash',
      { timeout: 120_000 },
      async () => {
        const storeUrl = await backend.url();
        const m = await startTestMiner({ 'model.path': DEFAULT_MODEL, 'store.url': storeUrl });
        const records = join(out, `${backend.name}.jsonl`);
        const stderr = sink();
        try {
          await evalCommand({ stdout: sink(), stderr }).parseAsync(
            [
              '--axon',
              `http://127.0.0.1:${m.port}`,
              '--axon-hotkey',
              KEYS.miner.ss58,
              '--validator-mnemonic',
              'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Validator',
              '--data',
              'synth:40',
              '--n',
              String(N),
              '--concurrency',
              '2',
              '--records',
              records,
              '--data_dir',
              m.dir,
              ...(storeUrl === '' ? [] : ['--store.url', storeUrl]),
            ],
            { from: 'user' },
          );
        } finally {
          await m.stop();
        }
        assert.match(stderr.text(), /Recorded \d+ labels in the query log/);
        const sent = readFileSync(records, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as EvalRecord);
        const store = await openQueryStore({ dataDir: m.dir, storeUrl });
        try {
          const stats = await queryStats(store);
          assert.equal(stats.logged, N);
          assert.equal(stats.labelled, N, 'every logged challenge carries its label');
          const positives = sent.filter((r) => r.label === 1).length;
          assert.deepEqual(stats.byLabel, {
            ...(N - positives > 0 ? { not: N - positives } : {}),
            ...(positives > 0 ? { roadwork: positives } : {}),
          });
          assert.deepEqual(stats.byValidator, { [KEYS.validator.ss58]: N });
          assert.equal(Object.keys(stats.byVersion).length, 1);
          assert.match(Object.keys(stats.byVersion)[0]!, /^\d+ \((2\.x|0\.4\.x|other)\)$/);
          assert.equal(stats.labelsBySource.eval, stats.images);
          // Each row's label is its own challenge's: the prediction logged is the one eval received.
          const rows = await store.all<{ prediction: number; label: number }>(
            'SELECT q.prediction, l.label FROM queries q JOIN labels l ON l.sha256 = q.image_sha256',
          );
          const key = (p: number, l: number) => `${p.toFixed(6)}:${l}`;
          assert.deepEqual(
            rows.map((r) => key(r.prediction, r.label)).sort(),
            sent.map((r) => key(r.prediction, r.label)).sort(),
          );
        } finally {
          await store.close();
        }
      },
    );
  });
}
