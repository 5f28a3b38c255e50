import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package root, found upwards, so the check holds wherever the folders move.
function packageRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) ? dir : packageRoot(dirname(dir));
}

const ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));
const SRC = join(ROOT, 'src');

/**
 * Files (by the end of their path, so a folder move keeps them) that may still build a plain `Error`,
 * at most this many times each. Keep it short: every entry says why the error cannot carry a code.
 */
const ALLOWED: Readonly<Record<string, { readonly max: number; readonly why: string }>> = {
  // Rebuilds an error a worker threw without a code, as it was (name and message), so the caller that
  // awaited the job can code it in its own terms (the runtimes wrap it as ERR_MODEL_OUTPUT).
  'workers/_messages.ts': { max: 1, why: 'rebuilds a worker error that had no code' },
};

// Unit tests (`*.test.ts`) and their helpers (`_test-*.ts`, imported only by tests: checked below) may
// throw plain errors; a helper that stands in for a library (a replayed chain) must throw what it throws.
function isTestFile(path: string): boolean {
  const name = path.split('/').pop() ?? '';
  return name.endsWith('.test.ts') || name.startsWith('_test-');
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else if (entry.name.endsWith('.ts')) out.push(relative(ROOT, path).split('\\').join('/'));
  }
  return out.sort();
}

/** `file:line` of every `new Error(` in `text` (a comment line does not count). */
function plainErrors(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => {
    const code = line.trimStart();
    if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return [];
    return /\bnew Error\(/.test(code) ? [`${file}:${i + 1}`] : [];
  });
}

test('plainErrors() finds each `new Error(` by file and line, and skips comments', () => {
  const text = ['const a = 1;', "  throw new Error('x');", "// new Error('in a comment')", 'x(new Error(y))'];
  assert.deepEqual(plainErrors('src/a.ts', text.join('\n')), ['src/a.ts:2', 'src/a.ts:4']);
});

test('no source file under src/ throws or builds a plain Error: every error carries a catalogue code', () => {
  const found: string[] = [];
  for (const file of sourceFiles(SRC).filter((f) => !isTestFile(f))) {
    const hits = plainErrors(file, readFileSync(join(ROOT, file), 'utf8'));
    const entry = Object.entries(ALLOWED).find(([end]) => file.endsWith(`/${end}`));
    const allowed = entry?.[1].max ?? 0;
    if (hits.length > allowed) found.push(...hits);
  }
  assert.deepEqual(
    found,
    [],
    'use `new RoadworkError(code, message)` from src/errors with a code from its catalogue ' +
      '(ERR_INTERNAL for a broken invariant); the message says what failed, the value, then what to do',
  );
});

test('no source file imports a test helper, so the test-file exemption above covers tests only', () => {
  const importsHelper = /from '[^']*\/_test-[^']*'/;
  const offenders = sourceFiles(SRC)
    .filter((f) => !isTestFile(f))
    .filter((f) => importsHelper.test(readFileSync(join(ROOT, f), 'utf8')));
  assert.deepEqual(offenders, []);
});
