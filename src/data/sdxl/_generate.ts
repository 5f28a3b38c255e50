// Writes a labelled folder of generated images: balanced labels, validator prompts, a manifest with the prompts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_PROTOCOL, type ValidatorProtocol } from '../../wire/protocol/index.js';
import { createRng } from '../../core/random/index.js';
import { makeDir } from '../../core/files/index.js';
import { type LabelledImageSource } from '../sources/index.js';
import type { SdxlClient } from './_client.js';
import { randomCaption, roadworkPrompt } from './_prompts.js';

/** Options of `generateImages`. */
export interface GenerateImagesOptions {
  readonly n: number;
  /** Seeds prompts and server seeds: the same seed asks for the same images. Default 'sdxl'. */
  readonly seed?: string;
  readonly width?: number;
  readonly height?: number;
  /** With images, every other request is image-to-image from one of them (as validators mix both). */
  readonly images?: LabelledImageSource;
  /** Whose prompt style: 0.4's one small element (default) or 2.0.4's conspicuous work zones. */
  readonly protocol?: ValidatorProtocol;
  /** Requests started at once; the client's own cap still applies. Default 1. */
  readonly concurrency?: number;
  readonly onImage?: (done: number, total: number) => void;
}

function csv(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Generates `n` images (even i roadwork) into `outDir/pos` and `outDir/neg` with `manifest.csv`. */
export async function generateImages(
  client: SdxlClient,
  outDir: string,
  options: GenerateImagesOptions,
): Promise<{ files: number; positives: number }> {
  const seed = options.seed ?? 'sdxl';
  await makeDir(join(outDir, 'pos'));
  await makeDir(join(outDir, 'neg'));
  const rows: string[] = new Array(options.n);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < options.n; i = next++) {
      const rng = createRng(`${seed}:${i}`);
      const label: 0 | 1 = i % 2 === 0 ? 1 : 0;
      const { prompt, negativePrompt } = roadworkPrompt(
        randomCaption(rng),
        label,
        rng,
        options.protocol ?? DEFAULT_PROTOCOL,
      );
      const request = {
        prompt,
        negativePrompt,
        seed: rng.int(0, 2 ** 31 - 1),
        ...(options.width ? { width: options.width } : {}),
        ...(options.height ? { height: options.height } : {}),
      };
      const pool = options.images?.images ?? [];
      const fromImage = pool.length > 0 && i % 4 >= 2 ? pool[rng.int(0, pool.length - 1)] : undefined;
      const bytes = fromImage
        ? await client.img2img({ ...request, image: await fromImage.load() })
        : await client.txt2img(request);
      const file = `${label ? 'pos' : 'neg'}/sdxl-${String(i).padStart(6, '0')}.png`;
      await writeFile(join(outDir, file), bytes);
      rows[i] = `${file},${label},${fromImage ? 'sdxl-img2img' : 'sdxl-txt2img'},${csv(prompt)}`;
      options.onImage?.(++done, options.n);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  await writeFile(join(outDir, 'manifest.csv'), `file,label,group,prompt\n${rows.join('\n')}\n`);
  return { files: options.n, positives: Math.ceil(options.n / 2) };
}
