// The composition root wires the metrics that are not the axon's own: the metagraph's block and age,
// the model's age since it was published.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postSigned, send, signedRequest, sceneJpeg, startTestMiner } from '../../../test/_harness.js';
import { systemClock } from '../../core/clock/index.js';
import { createLogger } from '../../core/log/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { recordPublication } from '../../lifecycle/publish/index.js';
import { CASCADE_FILE, createBundle, registerBundle } from '../../lifecycle/registry/index.js';
import { DEFAULT_MODEL } from './index.js';

test(
  'a built miner reports its metagraph and its predictor latency on /metrics',
  { timeout: 60_000 },
  async (t) => {
    const m = await startTestMiner();
    t.after(() => m.stop());
    const image = (await sceneJpeg('metrics')).toString('base64');
    assert.equal((await postSigned(m.port, signedRequest(m.port, { image }))).status, 200);
    const text = (await send(m.port, '/metrics', { method: 'GET' })).text;
    assert.match(text, /^roadwork_metagraph_block 100$/m);
    const age = Number(/^roadwork_metagraph_age_seconds (\S+)$/m.exec(text)?.[1]);
    assert.ok(age > 0 && age < 60, `age ${age}`);
    const model = m.miner.predictor.status().modelVersion!;
    assert.match(
      text,
      new RegExp(
        `^roadwork_predict_duration_seconds_count\\{hotkey="${m.miner.signer.ss58}",model="${model}"\\} 1$`,
        'm',
      ),
    );
  },
);

test(
  'a miner serving a published registry version reports its age and warns past 75 days',
  { timeout: 60_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'roadwork-age-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const data = join(dir, 'data');
    const bundle = await createBundle(join(dir, 'b'), {
      files: { 'model.onnx': DEFAULT_MODEL },
      config: { stages: [{ name: 'classifier', kind: 'classifier', model: 'model.onnx' }] },
    });
    const store = openStore(storeFile(data));
    try {
      const { version } = await registerBundle(join(dir, 'b'), {
        store,
        bundlesDir: join(data, 'bundles'),
        clock: systemClock(),
      });
      recordPublication(store, {
        version: version.id,
        repo: 'alice/roadwork',
        hubUrl: 'https://huggingface.co',
        commit: 'c0ffee',
        submittedBy: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
        submissionTime: Math.floor(Date.now() / 1000) - 81 * 86_400,
        at: Date.now(),
      });
    } finally {
      store.close();
    }
    const lines: { level: number; msg: string; version?: string }[] = [];
    const logger = createLogger({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const m = await startTestMiner(
      { 'cascade.config': join(data, 'bundles', bundle.id, CASCADE_FILE), data_dir: data },
      { logger },
    );
    t.after(() => m.stop());
    const text = (await send(m.port, '/metrics', { method: 'GET' })).text;
    const age = Number(
      new RegExp(`^roadwork_model_age_days\\{version="${bundle.id}"\\} (\\S+)$`, 'm').exec(text)?.[1],
    );
    assert.ok(age >= 81 && age < 81.01, `age ${age}`);
    const warning = lines.find((l) => l.level === 40 && /past 80 days, 9 left/.test(l.msg));
    assert.equal(warning?.version, bundle.id);
  },
);

test(
  'a miner serving a model that was never published exports no model age',
  { timeout: 60_000 },
  async (t) => {
    const m = await startTestMiner();
    t.after(() => m.stop());
    const text = (await send(m.port, '/metrics', { method: 'GET' })).text;
    assert.match(text, /^# TYPE roadwork_model_age_days gauge$/m);
    assert.doesNotMatch(text, /^roadwork_model_age_days\{/m);
  },
);
