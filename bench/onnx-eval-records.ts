// Whole-eval comparison of the starter cascade on its two backbone engines: `roadwork eval --offline`
// on the same challenges with the tfjs embedder on wasm and on onnx, record by record (probability
// max abs diff, decisions that flip at the validator's 0.5 rounding), for each validator protocol.
// Run: node --max-semi-space-size=32 --import tsx bench/onnx-eval-records.ts [--n 200] [--protocols 0.4,2.0.4]
//      [--data ../shared/data/roadwork-real-train]
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback;
const N = Number(arg('--n', '200'));
const PROTOCOLS = arg('--protocols', '0.4,2.0.4').split(',');
const DATA = arg('--data', fileURLToPath(new URL('../../shared/data/roadwork-real-train', import.meta.url)));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STARTER = join(ROOT, 'models/starter');

interface EvalRecord {
  readonly i: number;
  readonly label: number;
  readonly prediction: number;
}

/** The starter cascade with its embedder pinned to `engine`, beside a copy of its head. */
async function cascadeOn(dir: string, engine: 'wasm' | 'onnx'): Promise<string> {
  const yaml = await readFile(join(STARTER, 'cascade.yaml'), 'utf8');
  const pinned = yaml.replace(
    '        extras: [colour-shape]\n',
    `        extras: [colour-shape]\n        engine: ${engine}\n`,
  );
  if (pinned === yaml)
    throw new Error('models/starter/cascade.yaml no longer has the embedder options this bench pins');
  const file = join(dir, `cascade-${engine}.yaml`);
  await writeFile(file, pinned);
  return file;
}

async function evalRecords(cascade: string, protocol: string, dir: string): Promise<[EvalRecord[], number]> {
  const records = join(dir, `records-${protocol}-${Date.now()}.jsonl`);
  const t = performance.now();
  await promisify(execFile)(
    process.execPath,
    [
      '--max-semi-space-size=32',
      '--import',
      'tsx',
      join(ROOT, 'src/app/cli/main.ts'),
      'eval',
      '--offline',
      '--cascade.config',
      cascade,
      '--data',
      DATA,
      '--n',
      String(N),
      '--seed',
      'onnx-eval-records',
      '--protocol',
      protocol,
      '--concurrency',
      '2',
      '--records',
      records,
    ],
    // Its own data folder: the converted graph is cached there, nothing lands in the home folder.
    { cwd: ROOT, env: { ...process.env, ROADWORK_DATA_DIR: join(dir, 'data') }, maxBuffer: 1 << 26 },
  );
  const lines = (await readFile(records, 'utf8')).trim().split('\n');
  return [lines.map((l) => JSON.parse(l) as EvalRecord), performance.now() - t];
}

const dir = await mkdtemp(join(tmpdir(), 'bench-eval-records-'));
try {
  await copyFile(join(STARTER, 'head.json'), join(dir, 'head.json'));
  const cascades = { wasm: await cascadeOn(dir, 'wasm'), onnx: await cascadeOn(dir, 'onnx') };
  console.log(`${N} challenges from ${DATA}, seed onnx-eval-records, 2 lanes`);
  for (const protocol of PROTOCOLS) {
    const [wasm, wasmMs] = await evalRecords(cascades.wasm, protocol, dir);
    const [onnx, onnxMs] = await evalRecords(cascades.onnx, protocol, dir);
    let worst = 0;
    let flips = 0;
    let compared = 0;
    let invalid = 0;
    const correct = { wasm: 0, onnx: 0 };
    for (const [k, w] of wasm.entries()) {
      const o = onnx[k]!;
      if (o.i !== w.i || o.label !== w.label)
        throw new Error(`record ${k}: the two runs drew different challenges`);
      if (w.prediction < 0 || o.prediction < 0) {
        invalid++;
        continue;
      }
      compared++;
      worst = Math.max(worst, Math.abs(w.prediction - o.prediction));
      // The validator rounds half to even: 0.5 is a "no".
      const [dw, doo] = [w.prediction > 0.5 ? 1 : 0, o.prediction > 0.5 ? 1 : 0];
      if (dw !== doo) flips++;
      correct.wasm += dw === w.label ? 1 : 0;
      correct.onnx += doo === o.label ? 1 : 0;
    }
    console.log(
      `  protocol ${protocol}: ${compared} records compared (${invalid} without an answer), max |p_wasm − p_onnx| ${worst.toExponential(2)}, ${flips} flipped decisions; accuracy wasm ${(correct.wasm / compared).toFixed(3)} onnx ${(correct.onnx / compared).toFixed(3)}; eval wall time wasm ${(wasmMs / 1000).toFixed(1)} s, onnx ${(onnxMs / 1000).toFixed(1)} s`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
