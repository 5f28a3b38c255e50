// The composition root wires the metrics that are not the axon's own: the metagraph's block and age.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postSigned, send, signedRequest, sceneJpeg, startTestMiner } from '../../../test/_harness.js';

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
    assert.match(text, new RegExp(`^roadwork_predict_duration_seconds_count\\{model="${model}"\\} 1$`, 'm'));
  },
);
