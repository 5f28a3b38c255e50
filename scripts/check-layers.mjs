// Fails when an import under src/ runs against the bands of docs/architecture.md: a band may import
// its own band and the bands below it, never one above. Type-only and dynamic imports count too (a
// dependency is a dependency, whether or not it survives compilation). Tests and test helpers
// (`*.test.ts`, `_test-*.ts`) may reach upward to set up real parts; production code may not.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { sourceFiles } from './_source-files.mjs';

/** Lowest first. Keep in step with docs/architecture.md. */
export const BANDS = ['core', 'inference', 'wire', 'data', 'validation', 'lifecycle', 'app'];

const root = resolve(process.argv[2] ?? 'src');
const files = sourceFiles(root);

const SPEC = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
const isTest = (file) => /\.test\.ts$|(^|[\\/])_test-[^\\/]*\.ts$/.test(file);
/** The band a file lives in, or undefined for files directly under src/ (the package's barrel). */
const bandOf = (file) => {
  const parts = relative(root, file).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
};

const problems = [];
for (const file of files) {
  const from = bandOf(file);
  if (from !== undefined && !BANDS.includes(from))
    problems.push(`${rel(file)}: band '${from}' is not in BANDS`);
  if (from === undefined || isTest(file)) continue;
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(SPEC)) {
    const target = resolve(dirname(file), m[1]);
    if (!target.startsWith(root + sep)) continue;
    const to = bandOf(target);
    if (to === undefined || to === from) continue;
    if (BANDS.indexOf(to) > BANDS.indexOf(from)) {
      const line = text.slice(0, m.index).split('\n').length;
      problems.push(`${rel(file)}:${line}: ${from} imports ${to} (${m[1]}), a band above it`);
    }
  }
}

function rel(file) {
  return relative(process.cwd(), file);
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`${problems.length} imports against the bands ${BANDS.join(' < ')} (docs/architecture.md)`);
  process.exit(1);
}
console.log(`Bands hold in ${files.length} files under ${rel(root) || '.'}: ${BANDS.join(' < ')}`);
