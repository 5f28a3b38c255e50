// A small labelled folder of procedural scenes (8 with roadwork, 8 without, 4 groups) for the training
// commands' end-to-end tests.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../core/random/index.js';
import { encodeScene, generateScene } from '../../data/procedural/index.js';

/** Writes the scenes and a `manifest.csv` (file,label,group) into `dir`. */
export async function sceneFolder(dir: string): Promise<void> {
  const lines = ['file,label,group'];
  for (const label of [0, 1] as const) {
    await mkdir(join(dir, label ? 'pos' : 'neg'), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const s = generateScene(createRng(`scene-${label}-${i}`), {
        roadwork: label === 1,
        width: 256,
        height: 192,
      });
      const file = `${label ? 'pos' : 'neg'}/s${i}.jpg`;
      await writeFile(join(dir, file), await encodeScene(s.rgb, s.width, s.height));
      lines.push(`${file},${label},g${i % 4}`);
    }
  }
  await writeFile(join(dir, 'manifest.csv'), `${lines.join('\n')}\n`);
}

/** Runs `fn` with a fresh folder holding `data/` (the scene folder); removes it afterwards. */
export async function inSceneFolder(prefix: string, fn: (root: string, data: string) => Promise<void>) {
  const root = await mkdtemp(join(tmpdir(), prefix));
  try {
    const data = join(root, 'data');
    await sceneFolder(data);
    await fn(root, data);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Training on 2.0.4 views (levels 0 and 2), with a per-test cache and one worker. */
export function views2004(root: string, data: string): string[] {
  return [
    '--data',
    data,
    '--embeddings.cache_dir',
    join(root, 'cache'),
    '--protocol',
    '2.0.4',
    '--views',
    '1,0,1,0',
    '--model.workers',
    '1',
  ];
}
