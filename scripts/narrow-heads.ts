// Rewrites head files trained on `--columns` before heads could read columns (version 1, zero weights
// outside the columns) as version 4 column heads: the same logits from a tenth of the file.
//   node --import tsx scripts/narrow-heads.ts HEAD.json...
import { readFile, stat } from 'node:fs/promises';
import { parseHead } from '../src/inference/heads/index.js';
import { narrowHead, writeHead } from '../src/lifecycle/train/index.js';

for (const file of process.argv.slice(2)) {
  const before = await readFile(file, 'utf8');
  const head = parseHead(JSON.parse(before), file);
  const narrow = narrowHead(head, file);
  if (narrow === head) {
    console.log(`${file}: not a version 1 --columns head; left as it is`);
    continue;
  }
  await writeHead(file, narrow);
  console.log(
    `${file}: columns ${narrow.columns!.join(':')}, ${before.length} → ${(await stat(file)).size} bytes`,
  );
}
