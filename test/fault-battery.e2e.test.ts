// The fault battery in --quick mode (bench/fault-battery.ts): a few hundred fuzzed requests and one burst
// of each kind of hostile traffic against real `roadwork serve` processes; no crash and no 5xx anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Result {
  readonly name: string;
  readonly tried: number;
  readonly crashes: number;
  readonly fiveXx: number;
  readonly skipped?: string;
  readonly notes: readonly string[];
}

test(
  'the quick fault battery: every scenario runs, no miner crashes and no request gets a 5xx',
  { timeout: 240_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roadwork-fault-test-'));
    const json = join(dir, 'battery.json');
    try {
      const child = spawn(
        process.execPath,
        [
          '--max-semi-space-size=32',
          '--import',
          'tsx',
          'bench/fault-battery.ts',
          '--quick',
          '--fuzz',
          '300',
          '--json',
          json,
        ],
        { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      // Exit 1 is a failed latency goal (the machine's load decides those); anything else is a broken run.
      assert.ok(code === 0 || code === 1, `battery exited ${code}:\n${output.slice(-4000)}`);
      const { results } = JSON.parse(readFileSync(json, 'utf8')) as { results: Result[] };
      assert.deepEqual(
        results.map((r) => r.name),
        ['fuzz', 'bursts', 'scan-bombs', 'slow-bodies', 'overload', 'redis', 'vlm', 'kill-9'],
      );
      for (const r of results) {
        if (r.skipped !== undefined) continue;
        const context = `${r.name}:\n${r.notes.join('\n')}\n\n${output.slice(-3000)}`;
        assert.ok(r.tried > 0, `${r.name} sent nothing: ${context}`);
        assert.equal(r.crashes, 0, `miner crashed in ${context}`);
        assert.equal(r.fiveXx, 0, `5xx answers in ${context}`);
      }
      const fuzz = results.find((r) => r.name === 'fuzz')!;
      assert.ok(fuzz.tried >= 300, `fuzz tried ${fuzz.tried}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
