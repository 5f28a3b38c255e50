// Local mode against a real in-process miner: its network on disk, the validator loop and the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL, buildMiner } from '../../../app/miner/index.js';
import { readMetagraphFile } from '../../../wire/chain/index.js';
import { loadConfig } from '../../../core/config/index.js';
import { evalPlan } from '../index.js';
import { silentLogger } from '../../../core/log/index.js';
import { createDendrite } from '../../../wire/protocol/index.js';
import { synthSource } from '../../../data/procedural/index.js';
import { createRng } from '../../../core/random/index.js';
import {
  LOCAL_VALIDATOR_STAKE,
  ScoreReport,
  freePort,
  prepareLocalNetwork,
  runLocalValidator,
  type LocalAnswer,
} from './index.js';

test('prepareLocalNetwork() writes a metagraph of the validator and the miner, and keeps its keys across runs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-local-net-'));
  try {
    const first = await prepareLocalNetwork(dir, { ip: '127.0.0.1', port: 9001 });
    const graph = await readMetagraphFile(first.metagraphFile);
    assert.equal(graph.netuid, 72);
    assert.deepEqual(
      graph.neurons.map((n) => [n.uid, n.hotkey, n.stake, n.validatorPermit, n.axon]),
      [
        [0, first.validator.ss58, LOCAL_VALIDATOR_STAKE, true, null],
        [1, first.miner.ss58, 0, false, { ip: '127.0.0.1', port: 9001 }],
      ],
    );
    assert.notEqual(first.miner.ss58, first.validator.ss58);
    const again = await prepareLocalNetwork(dir, { ip: '127.0.0.1', port: 9002 }, 5);
    assert.equal(again.miner.ss58, first.miner.ss58);
    assert.equal(again.validator.ss58, first.validator.ss58);
    const moved = await readMetagraphFile(again.metagraphFile);
    assert.equal(moved.netuid, 5);
    assert.deepEqual(moved.neurons[1]?.axon, { ip: '127.0.0.1', port: 9002 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'runLocalValidator() scores every answer of a real in-process miner in order, and the report counts them',
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roadwork-local-loop-'));
    const port = await freePort();
    const network = await prepareLocalNetwork(dir, { ip: '127.0.0.1', port });
    const settings = loadConfig({
      defaults: {
        'axon.host': '127.0.0.1',
        'axon.port': port,
        'metagraph.file': network.metagraphFile,
        'model.path': DEFAULT_MODEL,
        data_dir: dir,
      },
    });
    const miner = await buildMiner(settings, silentLogger(), { signer: network.miner });
    const dendrites = [
      createDendrite({ signer: network.validator }),
      createDendrite({ signer: network.validator }),
    ];
    try {
      const address = await miner.start();
      const answers: LocalAnswer[] = [];
      const report = new ScoreReport();
      const board = await runLocalValidator({
        target: { ip: address.address, port: address.port, hotkey: network.miner.ss58 },
        dendrites,
        plan: evalPlan(synthSource(8), { protocol: '2.0.4' }),
        rng: createRng('local-test'),
        count: 6,
        onAnswer: (answer) => {
          answers.push(answer);
          report.add(answer);
        },
      });
      // Two lanes, but scored in challenge order, each with the miner's real answer.
      assert.deepEqual(
        answers.map((a) => a.i),
        [0, 1, 2, 3, 4, 5],
      );
      for (const a of answers) {
        assert.equal(a.statusCode, 200, JSON.stringify(a));
        assert.ok(a.prediction >= 0 && a.prediction <= 1, String(a.prediction));
        assert.ok(a.latencyMs > 0);
        assert.ok(a.challenge.level !== undefined && !('imageB64' in a.challenge));
      }
      assert.equal(board.history.length, 6);
      assert.equal(answers.at(-1)?.score.score, board.score);
      assert.equal(report.count, 6);
      assert.match(report.line(), /^\s+6 challenges .* errors 0$/);
      const rows = report
        .summary()
        .split('\n')
        .filter((l) => /^ {2}level \d/.test(l));
      const counted = rows.reduce((n, row) => n + Number(row.trim().split(/\s+/)[2]), 0);
      assert.equal(counted, 6, report.summary());
    } finally {
      for (const d of dendrites) d.close();
      await miner.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
);

function answer(i: number, prediction: number, label: 0 | 1, origin: 'real' | 'synthetic'): LocalAnswer {
  return {
    i,
    challenge: { label, group: 'g', sourceId: `s${i}`, protocol: '0.4', origin },
    prediction,
    statusCode: prediction === -1 ? 408 : 200,
    latencyMs: 10 * (i + 1),
    score: { reward: 0.25, mcc: 0.5, accuracy: 0.75, score: 0.125 },
  };
}

test('ScoreReport shows the last score, latency percentiles and per-source accuracy, counting no-answers apart', () => {
  const report = new ScoreReport();
  assert.match(report.line(), /^\s+0 challenges {2}MCC {3}— {3}/);
  report.add(answer(0, 0.9, 1, 'real'));
  report.add(answer(1, 0.2, 1, 'real'));
  report.add(answer(2, -1, 0, 'real'));
  report.add(answer(3, 0.1, 0, 'synthetic'));
  const line = report.line();
  assert.match(line, /^\s+4 challenges {2}MCC 0\.500 {2}acc\(10\) 0\.750 {2}reward 0\.250 {2}score 0\.125/);
  // Latencies 10, 20, 30, 40 ms: the median is the third, p99 the last.
  assert.match(line, /p50 30\.0 ms {2}p99 40\.0 ms/);
  assert.match(line, /errors 1$/);
  const summary = report.summary();
  // real: 3 sent, 1 of the 2 answered right, 1 without an answer; synthetic: 1 of 1.
  assert.match(summary, /\n {2}real +3 +0\.500 +1\n/);
  assert.match(summary, /\n {2}synthetic +1 +1\.000 +0\n/);
});
