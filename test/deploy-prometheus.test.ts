// deploy/prometheus: the alert rules pass promtool's checks and unit tests, every alert has a firing and
// a quiet case, and every metric and label they read is one the miner exports (so they cannot drift).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { createMetrics } from '../src/core/metrics/index.js';
import { programMissing, requirement } from './fixtures/requirements.js';

const DIR = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));
const PROMTOOL = '/usr/bin/promtool';
const run = promisify(execFile);

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface AlertTest {
  readonly alertname: string;
  readonly exp_alerts?: { readonly exp_labels?: Record<string, string> }[];
}
interface TestGroup {
  readonly name: string;
  readonly input_series: { readonly series: string }[];
  readonly alert_rule_test?: AlertTest[];
}

function rules(): Rule[] {
  const doc = parse(readFileSync(`${DIR}roadwork-miner.rules.yml`, 'utf8')) as {
    groups: { rules: Rule[] }[];
  };
  return doc.groups.flatMap((g) => g.rules);
}

const promtoolSkip = requirement(programMissing(PROMTOOL, 'prometheus'));

test(
  'promtool checks the rules and the example config',
  { skip: promtoolSkip, timeout: 60_000 },
  async () => {
    const rulesCheck = await run(PROMTOOL, ['check', 'rules', 'roadwork-miner.rules.yml'], { cwd: DIR });
    assert.match(rulesCheck.stdout, /SUCCESS: \d+ rules found/);
    const configCheck = await run(PROMTOOL, ['check', 'config', 'prometheus.yml'], { cwd: DIR });
    assert.match(configCheck.stdout, /1 rule files found/);
  },
);

test(
  'promtool runs the rules unit tests and they pass',
  { skip: promtoolSkip, timeout: 120_000 },
  async () => {
    const { stdout } = await run(PROMTOOL, ['test', 'rules', 'roadwork-miner.rules.test.yml'], { cwd: DIR });
    assert.match(stdout, /SUCCESS/);
  },
);

test('every alert has a unit test where it fires and one where it stays quiet', () => {
  const alerts = rules().flatMap((r) => (r.alert === undefined ? [] : [r.alert]));
  assert.ok(alerts.length >= 15, alerts.join(', '));
  const doc = parse(readFileSync(`${DIR}roadwork-miner.rules.test.yml`, 'utf8')) as { tests: TestGroup[] };
  const fires = new Set<string>();
  const quiet = new Set<string>();
  for (const group of doc.tests) {
    const instances = new Set(group.input_series.map((s) => /instance="([^"]+)"/.exec(s.series)?.[1]));
    for (const t of group.alert_rule_test ?? []) {
      assert.ok(alerts.includes(t.alertname), `test "${group.name}" names no rule: ${t.alertname}`);
      const firing = new Set((t.exp_alerts ?? []).map((a) => a.exp_labels?.instance));
      if (firing.size > 0) fires.add(t.alertname);
      // Quiet: nothing fires, or an instance fed to the rule is left out of the firing list.
      if ([...instances].some((i) => !firing.has(i))) quiet.add(t.alertname);
    }
  }
  assert.deepEqual(
    alerts.filter((a) => !fires.has(a)),
    [],
    'alerts without a firing case',
  );
  assert.deepEqual(
    alerts.filter((a) => !quiet.has(a)),
    [],
    'alerts without a quiet case',
  );
});

test('every alert has a severity and a summary', () => {
  for (const r of rules().filter((r) => r.alert !== undefined)) {
    assert.match(r.labels?.severity ?? '', /^(page|warning)$/, r.alert);
    assert.ok((r.annotations?.summary ?? '').length > 20, r.alert);
  }
});

test('every metric and label the rules read is exported by src/core/metrics (or pending)', async () => {
  const metrics = createMetrics();
  const exported = new Map<string, { type: string; labels: readonly string[] }>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const single = metrics.registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
    exported.set(m.name, { type: String(m.type), labels: single.labelNames ?? [] });
  }
  const unknown: string[] = [];
  const badLabels: string[] = [];
  for (const r of rules()) {
    // Recording rules' own series (roadwork:...) hold a colon and are not matched here.
    for (const [, name = '', matchers = ''] of r.expr.matchAll(/\b(roadwork_[a-z0-9_]+)(?:\{([^}]*)\})?/g)) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const metric =
        exported.get(name) ?? (exported.get(base)?.type === 'histogram' ? exported.get(base) : undefined);
      if (metric === undefined) {
        unknown.push(`${r.alert ?? r.record}: ${name}`);
        continue;
      }
      for (const [, label = ''] of matchers.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) {
        if (!['job', 'instance', 'le', ...metric.labels].includes(label))
          badLabels.push(`${r.alert ?? r.record}: ${name}{${label}}`);
      }
    }
  }
  assert.deepEqual(unknown, [], 'metrics no part of the miner exports: fix the rule, or export them');
  assert.deepEqual(badLabels, [], 'labels the metric does not have');
});
