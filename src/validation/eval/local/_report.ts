/** The running score of local mode, for people: a status line while it runs and a summary at the end. */
import type { LocalAnswer } from './_loop.js';

const KEEP = 10_000;

/** Accumulates answers and renders them. */
export class ScoreReport {
  readonly #latencies: number[] = [];
  readonly #slices = new Map<string, { n: number; correct: number; invalid: number }>();
  #last: LocalAnswer | undefined;
  #count = 0;
  #errors = 0;
  readonly #startedMs = performance.now();

  add(answer: LocalAnswer): void {
    this.#count++;
    this.#last = answer;
    if (this.#latencies.length === KEEP) this.#latencies.shift();
    this.#latencies.push(answer.latencyMs);
    const { level: augmentLevel, origin } = answer.challenge;
    const key = origin ?? `level ${augmentLevel ?? '?'}`;
    const level = this.#slices.get(key) ?? { n: 0, correct: 0, invalid: 0 };
    level.n++;
    if (answer.prediction === -1) {
      level.invalid++;
      this.#errors++;
    } else if ((answer.prediction > 0.5 ? 1 : 0) === answer.challenge.label) level.correct++;
    this.#slices.set(key, level);
  }

  get count(): number {
    return this.#count;
  }

  /** One status line: count, MCC(100), accuracy(10), reward, score (EMA), latency, errors. */
  line(): string {
    const s = this.#last?.score;
    const [p50, p99] = percentiles(this.#latencies, [0.5, 0.99]);
    const rate = this.#count / ((performance.now() - this.#startedMs) / 1000);
    return [
      `${String(this.#count).padStart(6)} challenges`,
      `MCC ${fmt(s?.mcc)}`,
      `acc(10) ${fmt(s?.accuracy)}`,
      `reward ${fmt(s?.reward)}`,
      `score ${fmt(s?.score)}`,
      `p50 ${ms(p50)}`,
      `p99 ${ms(p99)}`,
      `${rate.toFixed(1)}/s`,
      `errors ${this.#errors}`,
    ].join('  ');
  }

  /** The final summary, with accuracy per augmentation level (2.0.4) or challenge source (0.4). */
  summary(): string {
    const rows = [...this.#slices.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([slice, r]) => {
        const valid = r.n - r.invalid;
        return `  ${slice.padEnd(9)} ${String(r.n).padStart(6)}   ${valid ? fmt(r.correct / valid) : '  —  '}   ${r.invalid}`;
      });
    return [
      '',
      'Final:',
      `  ${this.line()}`,
      '',
      '  slice      count   accuracy   no answer',
      ...rows,
      '',
    ].join('\n');
  }
}

function percentiles(values: readonly number[], qs: readonly number[]): number[] {
  if (values.length === 0) return qs.map(() => NaN);
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

function fmt(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '  —  ' : x.toFixed(3);
}

function ms(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(1)} ms`;
}
