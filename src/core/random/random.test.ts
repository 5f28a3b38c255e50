import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from './index.js';

function draws(seed: string | number, n: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
}

test('the same seed replays the same stream; a number seed equals its string; nearby seeds differ', () => {
  assert.deepEqual(draws('run-7', 100), draws('run-7', 100));
  assert.deepEqual(draws(7, 20), draws('7', 20));
  const a = draws('seed-1', 50);
  const b = draws('seed-2', 50);
  assert.equal(a.filter((x, i) => x === b[i]).length, 0, 'nearby seeds must give unrelated streams');
});

test('next, uniform and int stay in their ranges and cover them', () => {
  const rng = createRng('ranges');
  const ints = new Set<number>();
  let min = 1;
  let max = 0;
  for (let i = 0; i < 20_000; i++) {
    const x = rng.next();
    assert.ok(x >= 0 && x < 1);
    min = Math.min(min, x);
    max = Math.max(max, x);
    const u = rng.uniform(-3, 5);
    assert.ok(u >= -3 && u < 5);
    const k = rng.int(2, 6);
    assert.ok(Number.isInteger(k) && k >= 2 && k <= 6);
    ints.add(k);
  }
  assert.ok(min < 0.001 && max > 0.999, `[${min}, ${max}]`);
  assert.deepEqual([...ints].sort(), [2, 3, 4, 5, 6], 'int() includes both ends');
});

test('normal() has the asked mean and spread; chance(p) is true about p of the time', () => {
  const rng = createRng('moments');
  const n = 40_000;
  let sum = 0;
  let sq = 0;
  let yes = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal(10, 2);
    sum += z;
    sq += z * z;
    if (rng.chance(0.3)) yes++;
  }
  const mean = sum / n;
  const std = Math.sqrt(sq / n - mean * mean);
  assert.ok(Math.abs(mean - 10) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(std - 2) < 0.05, `std ${std}`);
  assert.ok(Math.abs(yes / n - 0.3) < 0.01, `chance ${yes / n}`);
});

test('choice() picks every element and refuses an empty list; fork() streams are replayable and independent', () => {
  const rng = createRng('choice');
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) seen.add(rng.choice(['a', 'b', 'c']));
  assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  assert.throws(() => rng.choice([]), RangeError);

  const first = createRng('parent');
  const second = createRng('parent');
  const x = first.fork('item-1');
  const y = second.fork('item-1');
  assert.deepEqual(
    Array.from({ length: 10 }, () => x.next()),
    Array.from({ length: 10 }, () => y.next()),
  );
  const other = createRng('parent').fork('item-2');
  assert.notEqual(createRng('parent').fork('item-1').next(), other.next());
});
