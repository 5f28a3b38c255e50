// Rewrites head files trained on `--columns` before heads could read columns (version 1, zero weights
// outside the columns) as version 4 column heads: the same logits from a tenth of the file.
//   node --import tsx scripts/narrow-heads.ts HEAD.json...
import { readFile, stat } from 'node:fs/promises';
import { parseHead, type Head } from '../src/inference/heads/index.js';
import { narrowHead, writeHead } from '../src/lifecycle/train/index.js';

/** The head in `file` as a column head, or undefined when it is not a version 1 `--columns` head. */
async function narrowed(file: string): Promise<{ before: string; narrow?: Head }> {
  const before = await readFile(file, 'utf8');
  const head = parseHead(JSON.parse(before), file);
  const narrow = narrowHead(head, file);
  return narrow === head ? { before } : { before, narrow };
}

for (const file of process.argv.slice(2)) {
  let result: { before: string; narrow?: Head };
  try {
    result = await narrowed(file);
  } catch (err) {
    // A bad file is named with its reason, not a stack; the others are still rewritten.
    console.error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
    continue;
  }
  const { before, narrow } = result;
  if (narrow === undefined) {
    console.log(`${file}: not a version 1 --columns head; left as it is`);
    continue;
  }
  await writeHead(file, narrow);
  console.log(
    `${file}: columns ${narrow.columns!.join(':')}, ${before.length} → ${(await stat(file)).size} bytes`,
  );
}
