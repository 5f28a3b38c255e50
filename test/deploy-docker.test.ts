// deploy/docker: the Dockerfile and the Compose file checked without Docker (stages, base images, the
// non-root user, production dependencies, the health check, every file they copy or mount, every setting
// they name, the ports they publish; Prometheus' container config run through promtool as mounted),
// and `docker build` (plus `docker compose config`) where a Docker daemon answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig, SCHEMA } from '../src/core/config/index.js';
import { programMissing, requirement } from './fixtures/requirements.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCKER_DIR = join(ROOT, 'deploy/docker');
const run = promisify(execFile);

/** One Dockerfile instruction, continuation lines joined, with the stage it is in. */
interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly stage: number;
}

/** The instructions of a Dockerfile: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    pending += pending === '' ? line : ` ${line}`;
    if (pending.endsWith('\\')) {
      pending = pending.slice(0, -1).trimEnd();
      continue;
    }
    const [op = '', ...rest] = pending.split(/\s+/);
    pending = '';
    if (op.toUpperCase() === 'FROM') stage++;
    out.push({ op: op.toUpperCase(), args: rest.join(' '), stage });
  }
  return out;
}

const DOCKERFILE = instructions(readFileSync(join(DOCKER_DIR, 'Dockerfile'), 'utf8'));
const STAGES = DOCKERFILE.filter((i) => i.op === 'FROM');
const FINAL = STAGES.length - 1;
const inStage = (stage: number, op: string): Instruction[] =>
  DOCKERFILE.filter((i) => i.stage === stage && i.op === op);
// Whitelist patterns of the build context's .dockerignore (`*` first, then `!path`).
const CONTEXT_ALLOWED = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('!'))
  .map((l) => l.slice(1).replace(/\/$/, ''));

interface Service {
  readonly image?: string;
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly profiles?: readonly string[];
  readonly environment?: Record<string, string>;
  readonly volumes?: readonly string[];
  readonly ports?: readonly string[];
  readonly command?: string | readonly string[];
}
const COMPOSE = parse(readFileSync(join(DOCKER_DIR, 'compose.yaml'), 'utf8')) as {
  readonly services: Record<string, Service>;
  readonly volumes: Record<string, unknown>;
};
const SERVICES = COMPOSE.services;
const MINER = SERVICES.miner!;

/** Every environment name the miner reads (the settings schema's). */
const SETTING_ENV = new Set(Object.values(SCHEMA).flatMap((s) => s.env));
/** Environment a container may set that is not a miner setting: Node's and npm's own. */
const NOT_SETTINGS = new Set(['NODE_ENV', 'ONNXRUNTIME_NODE_INSTALL']);

/** A bind mount's host path resolved against deploy/docker, or undefined for a named volume or ${VAR}. */
function bindSource(volume: string): string | undefined {
  const [source = ''] = volume.split(':');
  return source.startsWith('./') || source.startsWith('../') ? resolve(DOCKER_DIR, source) : undefined;
}

/** The container path a service mounts `repoFile` (repository-relative) at. */
function mountTarget(service: Service, repoFile: string): string | undefined {
  const volume = service.volumes?.find((v) => bindSource(v) === join(ROOT, repoFile));
  return volume?.split(':')[1];
}

/** The `ENV` of a stage as name → value (`ENV A=1 B=2` form). */
function stageEnv(stage: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of inStage(stage, 'ENV')) for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  return env;
}

test('the Dockerfile builds in a Node 20 stage and runs in a Node 20 one, as a user other than root', () => {
  assert.ok(STAGES.length >= 2, 'multi-stage');
  for (const s of STAGES) assert.match(s.args, /^node:20[\w.-]* AS \w+$/i, s.args);
  const users = inStage(FINAL, 'USER');
  assert.equal(users.length, 1, 'the final stage sets USER');
  assert.doesNotMatch(users[0]!.args, /^(root|0)(:|$)/);
  // The user comes after every RUN that needs root, and the data volume is made theirs.
  const lastRun = DOCKERFILE.lastIndexOf(inStage(FINAL, 'RUN').at(-1)!);
  assert.ok(DOCKERFILE.indexOf(users[0]!) > lastRun, 'USER after the last RUN');
  const data = stageEnv(FINAL).ROADWORK_DATA_DIR;
  assert.ok(data !== undefined && inStage(FINAL, 'VOLUME').some((v) => v.args.includes(data)), 'data volume');
  assert.ok(
    inStage(FINAL, 'RUN').some((r) => r.args.includes(`chown ${users[0]!.args}`) && r.args.includes(data)),
  );
});

test('the build stage compiles with dev dependencies; the runtime installs production ones only', () => {
  const buildRuns = inStage(0, 'RUN').map((r) => r.args);
  assert.ok(buildRuns.some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev')));
  assert.ok(buildRuns.some((r) => r.includes('npm run build')));
  const runtimeRuns = inStage(FINAL, 'RUN').map((r) => r.args);
  assert.ok(
    runtimeRuns.some((r) => /\bnpm ci\b.*--omit=dev/.test(r)),
    runtimeRuns.join('\n'),
  );
  assert.ok(!runtimeRuns.some((r) => r.includes('npm run build') || r.includes('tsc')));
  // .npmrc (onnxruntime-node-install=skip) is in both installs' folder.
  for (const stage of [0, FINAL])
    assert.ok(
      inStage(stage, 'COPY').some((c) => c.args.split(/\s+/).includes('.npmrc')),
      `stage ${stage}`,
    );
  const copiedDist = inStage(FINAL, 'COPY').find((c) => c.args.includes('dist'));
  assert.match(copiedDist?.args ?? '', /^--from=(\w+) \S*dist/);
  const from = /^--from=(\w+)/.exec(copiedDist!.args)![1]!;
  assert.ok(
    STAGES.slice(0, FINAL).some((s) => s.args.endsWith(` AS ${from}`)),
    `stage ${from}`,
  );
});

/** Every `.ts` file under `dir` that the build compiles (tests and test helpers are not built). */
function builtSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return builtSources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.startsWith('_test-')
      ? [path]
      : [];
  });
}

test('what the image runs needs production dependencies only: every package src/ imports at run time is one', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const missing = new Set<string>();
  for (const file of builtSources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    // Static imports and re-exports that survive compilation (`import type` does not), and import().
    const specifiers = [
      ...text.matchAll(/^(?:import|export)(?! type )[^;]*?from '([^']+)'/gms),
      ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ].map((m) => m[1]!);
    for (const s of specifiers) {
      if (s.startsWith('.') || s.startsWith('node:') || builtinModules.includes(s)) continue;
      const name = s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/');
      if (!(name in pkg.dependencies)) missing.add(`${name} (${file.slice(ROOT.length)})`);
    }
  }
  assert.deepEqual([...missing], [], 'imported at run time but not a production dependency');
});

test('every file the Dockerfile copies exists and is in the build context', () => {
  for (const copy of DOCKERFILE.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
    const sources = copy.args.split(/\s+/).slice(0, -1);
    for (const source of sources) {
      assert.ok(existsSync(join(ROOT, source)), `COPY ${source}: not in the repository`);
      const top = source.replace(/\/$/, '').split('/')[0]!;
      assert.ok(CONTEXT_ALLOWED.includes(top), `COPY ${source}: excluded by .dockerignore`);
    }
  }
  // What the entrypoint runs is compiled from a real source, and the image carries the models it loads.
  const entry = JSON.parse(inStage(FINAL, 'ENTRYPOINT')[0]!.args) as string[];
  const script = entry.find((a) => a.startsWith('dist/'))!;
  assert.ok(existsSync(join(ROOT, script.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts'))), script);
  assert.ok(inStage(FINAL, 'COPY').some((c) => c.args.startsWith('models ')));
});

test('the image health-checks /health on the axon port it exposes, and its settings are real ones', () => {
  const env = stageEnv(FINAL);
  for (const name of Object.keys(env))
    assert.ok(SETTING_ENV.has(name) || NOT_SETTINGS.has(name), `ENV ${name} is no setting`);
  const settings = loadConfig({ env });
  const exposed = inStage(FINAL, 'EXPOSE').flatMap((e) => e.args.split(/\s+/));
  assert.deepEqual(exposed, [String(settings['axon.port'])]);
  assert.equal(settings['axon.host'], '0.0.0.0', 'reachable from outside the container');
  const check = inStage(FINAL, 'HEALTHCHECK')[0]?.args ?? '';
  assert.match(check, /CMD .*\/health'/);
  assert.match(check, /process\.env\.MINER_AXON_PORT \|\| 8091/);
  assert.ok(SETTING_ENV.has('MINER_AXON_PORT'));
  assert.match(check, /--start-period=\d+s/);
});

test('the Compose file runs the miner, Redis, Prometheus, Grafana and vLLM (a profile) on pinned images', () => {
  assert.deepEqual(Object.keys(SERVICES).sort(), ['grafana', 'miner', 'prometheus', 'redis', 'vllm']);
  assert.deepEqual(SERVICES.vllm!.profiles, ['vlm']);
  for (const [name, service] of Object.entries(SERVICES)) {
    assert.equal(service.profiles === undefined, name !== 'vllm', `${name}: started by default`);
    const [, tag = ''] = (service.image ?? '').split(':');
    assert.match(tag, /\d+\.\d+/, `${name}: image ${service.image} pinned to a version`);
  }
  // The miner is built from this Dockerfile with the repository root as context (its .dockerignore).
  assert.equal(resolve(DOCKER_DIR, MINER.build!.context), resolve(ROOT));
  assert.equal(resolve(ROOT, MINER.build!.dockerfile), join(DOCKER_DIR, 'Dockerfile'));
});

test('the miner’s Compose settings are real setting names with valid values, and its cache is the Redis service', () => {
  const env = MINER.environment ?? {};
  for (const name of Object.keys(env)) assert.ok(SETTING_ENV.has(name), `${name} is no setting`);
  const settings = loadConfig({ env });
  assert.equal(settings['cache.kind'], 'redis');
  assert.equal(new URL(settings['cache.redis_url']).hostname, 'redis');
  assert.ok(SERVICES.redis!.image?.startsWith('redis:'));
  // The Dockerfile's data volume is the one Compose keeps.
  assert.equal(settings.data_dir, stageEnv(FINAL).ROADWORK_DATA_DIR);
  assert.ok(
    MINER.volumes?.some((v) => v.endsWith(`:${settings.data_dir}`) && v.split(':')[0]! in COMPOSE.volumes),
  );
  // Only the axon is published on every address, on the port the miner listens on.
  assert.deepEqual(MINER.ports, [`${settings['axon.port']}:${settings['axon.port']}`]);
  for (const [name, service] of Object.entries(SERVICES))
    if (name !== 'miner')
      for (const port of service.ports ?? [])
        assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${port}`);
});

test('every file Compose mounts exists in the repository, and Prometheus and Grafana find theirs', () => {
  for (const [name, service] of Object.entries(SERVICES))
    for (const volume of service.volumes ?? []) {
      const source = bindSource(volume);
      if (source !== undefined) assert.ok(existsSync(source), `${name}: ${volume}: no such file`);
    }
  const prometheus = SERVICES.prometheus!;
  const configTarget = mountTarget(prometheus, 'deploy/docker/prometheus.yml');
  assert.ok((prometheus.command as string[]).includes(`--config.file=${configTarget}`));
  const config = parse(readFileSync(join(DOCKER_DIR, 'prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  const rulesTarget = mountTarget(prometheus, 'deploy/prometheus/roadwork-miner.rules.yml');
  assert.deepEqual(
    config.rule_files.map((f) => posix.resolve(posix.dirname(configTarget!), f)),
    [rulesTarget],
  );
  const job = config.scrape_configs.find((j) => j.job_name === 'roadwork-miner');
  assert.deepEqual(job?.static_configs[0]?.targets, [`miner:${MINER.environment?.MINER_AXON_PORT}`]);

  const grafana = SERVICES.grafana!;
  assert.match(
    mountTarget(grafana, 'deploy/docker/grafana/datasource.yml') ?? '',
    /^\/etc\/grafana\/provisioning\/datasources\//,
  );
  assert.match(
    mountTarget(grafana, 'deploy/docker/grafana/dashboards.yml') ?? '',
    /^\/etc\/grafana\/provisioning\/dashboards\//,
  );
  const provider = parse(readFileSync(join(DOCKER_DIR, 'grafana/dashboards.yml'), 'utf8')) as {
    providers: { options: { path: string } }[];
  };
  const dashboard = mountTarget(grafana, 'deploy/grafana/roadwork-miner.json');
  assert.equal(posix.dirname(dashboard ?? ''), provider.providers[0]?.options.path);
  const datasource = parse(readFileSync(join(DOCKER_DIR, 'grafana/datasource.yml'), 'utf8')) as {
    datasources: { type: string; url: string }[];
  };
  assert.equal(datasource.datasources[0]?.type, 'prometheus');
  const url = new URL(datasource.datasources[0]!.url);
  assert.ok(url.hostname in SERVICES);
  assert.ok(
    (prometheus.ports ?? []).some((p) => p.endsWith(`:${url.port}`)),
    'Prometheus listens there',
  );
});

const PROMTOOL = '/usr/bin/promtool';
test(
  'promtool accepts Prometheus’ container config with the rules where Compose mounts them',
  { skip: requirement(programMissing(PROMTOOL, 'prometheus')), timeout: 60_000 },
  async () => {
    const root = mkdtempSync(join(tmpdir(), 'roadwork-compose-'));
    try {
      // The container's file system, as far as Prometheus' mounts make it.
      let config = '';
      for (const volume of SERVICES.prometheus!.volumes ?? []) {
        const source = bindSource(volume);
        if (source === undefined) continue;
        const target = join(root, volume.split(':')[1]!);
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(source, target);
        if (source.endsWith('prometheus.yml')) config = target;
      }
      const { stdout } = await run(PROMTOOL, ['check', 'config', config]);
      assert.match(stdout, /SUCCESS: 1 rule files found/);
      assert.match(stdout, /roadwork-miner\.rules\.yml\n\s+SUCCESS: \d+ rules found/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);

/** Why `docker build` cannot run here (no CLI, or no daemon answering it), or undefined. */
function dockerMissing(): string | undefined {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 10_000 });
    return undefined;
  } catch {
    return 'no Docker daemon answers `docker info`; the Dockerfile and compose.yaml were checked statically only';
  }
}

// Not forced under CI=true: CI machines need not run Docker, and the static checks above always run.
const noDocker = dockerMissing();
test(
  'docker build makes the image, and docker compose config accepts the Compose file',
  { skip: noDocker === undefined ? false : `skipped: ${noDocker}`, timeout: 1_800_000 },
  async () => {
    const tag = `roadwork-miner-test:${process.pid}`;
    try {
      await run('docker', ['build', '-f', 'deploy/docker/Dockerfile', '-t', tag, '.'], {
        cwd: ROOT,
        timeout: 1_700_000,
        maxBuffer: 64 << 20,
      });
      const { stdout } = await run('docker', ['image', 'inspect', tag, '--format', '{{.Config.User}}']);
      assert.doesNotMatch(stdout.trim(), /^(root|0|)$/);
      const compose = await run('docker', ['compose', 'version']).then(
        () => true,
        () => false,
      );
      if (compose)
        await run('docker', ['compose', '-f', 'deploy/docker/compose.yaml', 'config', '-q'], { cwd: ROOT });
    } finally {
      await run('docker', ['image', 'rm', '-f', tag]).catch(() => undefined);
    }
  },
);
