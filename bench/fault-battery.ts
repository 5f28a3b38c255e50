// Fault battery (not a test): heavy and hostile traffic against real `roadwork serve` processes on
// 127.0.0.1 — fuzz, big-image bursts, scan bombs, slow bodies, overload, a Redis fault, a VLM fault and
// kill -9 — each counting crashes, wrong statuses, peak RSS and latencies. Bounded in time and count;
// stops every process it started. Exit status 1 when a goal fails (docs/reliability.md).
// Usage: node --max-semi-space-size=32 --import tsx bench/fault-battery.ts [--quick] [--only fuzz,overload]
//          [--fuzz 100000] [--lanes 8] [--seed S] [--json out.json] [--max-minutes 25]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { batteryKeys, createBattery, newResult, type Battery, type ScenarioResult } from './_battery.js';
import { killAllChildren } from './_child-miner.js';
import { sceneImages } from './_images.js';
import { fuzzScenario } from './_scenario-fuzz.js';
import { burstScenario, overloadScenario, scanBombScenario, slowBodyScenario } from './_scenario-load.js';
import { killScenario } from './_scenario-kill.js';
import { redisScenario, vlmScenario } from './_scenario-deps.js';

/** The scenarios in the order they run. */
const SCENARIOS: Readonly<Record<string, (b: Battery) => Promise<ScenarioResult>>> = Object.freeze({
  fuzz: fuzzScenario,
  bursts: burstScenario,
  'scan-bombs': scanBombScenario,
  'slow-bodies': slowBodyScenario,
  overload: overloadScenario,
  redis: redisScenario,
  vlm: vlmScenario,
  'kill-9': killScenario,
});

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    fuzz: { type: 'string' },
    lanes: { type: 'string', default: '8' },
    seed: { type: 'string', default: 'faults' },
    json: { type: 'string' },
    'max-minutes': { type: 'string' },
  },
});
const quick = values.quick === true;
const only = values.only === undefined ? Object.keys(SCENARIOS) : values.only.split(',').map((s) => s.trim());
const unknown = only.filter((s) => !(s in SCENARIOS));
if (unknown.length > 0) {
  console.error(
    `Unknown scenario: ${unknown.join(', ')}; valid names are ${Object.keys(SCENARIOS).join(', ')}.`,
  );
  process.exit(2);
}
const fuzzCount = Number(values.fuzz ?? (quick ? 300 : 100_000));
const fuzzLanes = Number(values.lanes);
const maxMinutes = Number(values['max-minutes'] ?? (quick ? 4 : 25));
for (const [flag, n] of [
  ['--fuzz', fuzzCount],
  ['--lanes', fuzzLanes],
  ['--max-minutes', maxMinutes],
] as const) {
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`Invalid ${flag}: ${n}; give a positive number.`);
    process.exit(2);
  }
}

// Bounded in time whatever happens inside: past the limit everything started is killed.
const watchdog = setTimeout(() => {
  console.error(`\nFault battery ran past --max-minutes ${maxMinutes}; stopping everything it started.`);
  killAllChildren();
  process.exit(3);
}, maxMinutes * 60_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

const keys = batteryKeys(quick ? 13 : 25);
console.log(
  `Fault battery: ${only.join(', ')}${quick ? ' (quick)' : ''}; fuzz ${fuzzCount} over ${fuzzLanes} lanes; seed ${values.seed}`,
);
const battery = createBattery({
  quick,
  fuzzCount,
  fuzzLanes,
  seed: values.seed!,
  keys,
  scenes: await sceneImages(quick ? 60 : 200, `${values.seed}:scene`),
});
const results: ScenarioResult[] = [];
const started = performance.now();
try {
  for (const name of only) {
    console.log(`\n== ${name}`);
    const t0 = performance.now();
    let result: ScenarioResult;
    try {
      result = await SCENARIOS[name]!(battery);
    } catch (err) {
      // A scenario that cannot run (a miner that would not start) fails its goal; the rest still run.
      result = newResult(name);
      result.goals.push({ label: 'scenario ran', ok: false });
      result.notes.push(`failed: ${(err as Error).stack ?? String(err)}`);
    }
    for (const line of result.notes) battery.say(line);
    const failed = result.goals.filter((g) => !g.ok).map((g) => g.label);
    battery.say(
      result.skipped !== undefined
        ? `skipped: ${result.skipped}`
        : `${failed.length === 0 ? 'all goals met' : `GOALS FAILED: ${failed.join('; ')}`} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
    results.push(result);
  }
} finally {
  clearTimeout(watchdog);
  await battery.cleanup();
  killAllChildren();
}

const rows = results.map((r) => [
  r.name,
  r.skipped === undefined ? String(r.tried) : '—',
  r.skipped === undefined ? String(r.crashes) : '—',
  r.skipped === undefined ? `${r.wrong} (${r.fiveXx} 5xx)` : '—',
  r.skipped === undefined ? r.peakRssMb.toFixed(0) : '—',
  r.skipped !== undefined ? `skipped: ${r.skipped}` : r.goals.every((g) => g.ok) ? 'met' : 'FAILED',
  r.latency,
]);
const header = ['scenario', 'tried', 'crashes', 'wrong', 'peak RSS MiB', 'goals', 'latency'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: readonly string[]) =>
  `| ${cells.map((c, i) => (i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
console.log(`\nFault battery, ${((performance.now() - started) / 60_000).toFixed(1)} min:\n`);
console.log(line(header));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const row of rows) console.log(line(row));
const failedGoals = results.flatMap((r) => r.goals.filter((g) => !g.ok).map((g) => `${r.name}: ${g.label}`));
console.log(
  failedGoals.length === 0 ? '\nEvery goal met.' : `\nGoals failed:\n  ${failedGoals.join('\n  ')}`,
);
if (values.json !== undefined)
  writeFileSync(values.json, `${JSON.stringify({ quick, fuzzCount, results }, null, 2)}\n`);
process.exit(failedGoals.length === 0 ? 0 : 1);
