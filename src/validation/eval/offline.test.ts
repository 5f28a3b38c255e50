import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { challengesCommand } from '../../app/cli/challenges.js';
import { evalCommand } from '../../app/cli/eval.js';
import { poolEmbedderModel } from '../../../test/fixtures/onnx-models.js';
import type { EvalRecord } from './index.js';

const BASELINE = fileURLToPath(new URL('../../../models/baseline/model.onnx', import.meta.url));
const quiet = { isTTY: false, write: () => true };

async function cli(command: ReturnType<typeof evalCommand>, args: string[]): Promise<void> {
  await command.exitOverride().parseAsync(args, { from: 'user' });
}

async function records(file: string): Promise<EvalRecord[]> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EvalRecord);
}

/** Records without timings (the run's and each stage's), which differ between any two runs. */
const withoutTimings = (rs: readonly EvalRecord[]) =>
  rs.map(({ latency_ms: _ms, stages, ...rest }) => ({
    ...rest,
    stages: stages?.map(({ ms: _stageMs, ...stage }) => stage),
  }));

test(
  'eval --offline --config scores a two-stage cascade and the HTML report draws its exit funnel',
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roadwork-eval-cascade-'));
    try {
      // Stage 1: channel means through a steep logistic head, so confident scenes exit there; the
      // rest reach stage 2, the baseline classifier.
      await writeFile(join(dir, 'mean.onnx'), poolEmbedderModel({ size: 16 }));
      await writeFile(
        join(dir, 'head.json'),
        JSON.stringify({
          format: 'roadwork-head',
          version: 1,
          type: 'logistic',
          inputDims: 3,
          layers: [{ weights: [[12, -12, 0]], bias: [0], activation: 'none' }],
          temperature: 1,
          shift: 0,
        }),
      );
      await writeFile(
        join(dir, 'cascade.yaml'),
        [
          'stages:',
          '  - name: means',
          '    kind: backbone-head',
          '    embedder: { model: mean.onnx, options: { size: 16, mean: [0, 0, 0], std: [1, 1, 1] } }',
          '    head: head.json',
          '    exit: { high: 0.55, low: 0.45 }',
          '  - name: baseline',
          '    kind: classifier',
          `    model: ${JSON.stringify(BASELINE)}`,
        ].join('\n'),
      );
      const out = (f: string) => join(dir, f);
      await cli(evalCommand({ stdout: quiet, stderr: quiet }), [
        '--offline',
        '--config',
        out('cascade.yaml'),
        '--data',
        'synth:16',
        '--n',
        '24',
        '--seed',
        'cascade',
        '--records',
        out('r.jsonl'),
        '--json',
        out('r.json'),
        '--html',
        out('r.html'),
      ]);
      const rs = await records(out('r.jsonl'));
      assert.equal(rs.length, 24);
      const last = rs.map((r) => r.stages?.filter((s) => s.skipped === undefined).at(-1)?.stage);
      const exitedFirst = last.filter((s) => s === 'means').length;
      assert.ok(exitedFirst > 0 && exitedFirst < 24, `some but not all exit at stage 1: ${exitedFirst}`);
      assert.equal(last.filter((s) => s === 'baseline').length, 24 - exitedFirst);

      const report = JSON.parse(await readFile(out('r.json'), 'utf8')) as {
        model: string;
        stages: Record<string, { reached: number; exits: number }>;
      };
      assert.equal(report.model, out('cascade.yaml'));
      assert.deepEqual(report.stages.means, { ...report.stages.means, reached: 24, exits: exitedFirst });
      const html = await readFile(out('r.html'), 'utf8');
      assert.match(html, /Cascade stages/);
      assert.match(html, new RegExp(`means: 24 reached, ${exitedFirst} exited`));
      assert.match(html, new RegExp(`baseline: ${24 - exitedFirst} reached, ${24 - exitedFirst} exited`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'eval on a written challenge set gives the same records as eval generating them with the same seed',
  { timeout: 120_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roadwork-eval-set-'));
    try {
      await challengesCommand({ stdout: quiet })
        .exitOverride()
        .parseAsync(['--data', 'synth:20', '--n', '16', '--seed', 'fixed', '--out', join(dir, 'set')], {
          from: 'user',
        });
      const evalArgs = (data: string, file: string) => [
        '--offline',
        '--config',
        BASELINE,
        '--data',
        data,
        '--n',
        '16',
        '--seed',
        'fixed',
        '--concurrency',
        '2',
        '--records',
        join(dir, file),
      ];
      await cli(evalCommand({ stdout: quiet, stderr: quiet }), evalArgs('synth:20', 'fly.jsonl'));
      await cli(evalCommand({ stdout: quiet, stderr: quiet }), evalArgs(join(dir, 'set'), 'set.jsonl'));
      const [fly, set] = [await records(join(dir, 'fly.jsonl')), await records(join(dir, 'set.jsonl'))];
      assert.equal(set.length, 16);
      assert.deepEqual(withoutTimings(set), withoutTimings(fly));
      assert.ok(new Set(set.map((r) => r.origin)).size > 1, 'more than one challenge source (0.4)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
