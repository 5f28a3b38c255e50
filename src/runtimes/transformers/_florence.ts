// Florence-2 OCR through transformers.js: the `<OCR>` and `<OCR_WITH_REGION>` task prompts.
import { AutoProcessor, Florence2ForConditionalGeneration, type RawImage } from '@huggingface/transformers';
import type { TextLine } from '../types.js';
import type { ReaderOptions } from './_options.js';

// Loose views: the processor's Florence-2 methods are not on AutoProcessor's declared type.
interface Florence2Processor {
  (images: RawImage, text: string[]): Promise<Record<string, unknown>>;
  construct_prompts(task: string): string[];
  batch_decode(ids: unknown, options: { skip_special_tokens: boolean }): string[];
  post_process_generation(text: string, task: string, size: [number, number]): Record<string, unknown>;
}
interface Florence2Model {
  generate(inputs: Record<string, unknown>): Promise<unknown>;
}

/** A loaded Florence-2 model and its processor. */
export interface Reader {
  readonly model: Florence2Model;
  readonly processor: Florence2Processor;
}

/** Loads Florence-2 from a local folder (encoder, decoder, embeddings and vision encoder sessions). */
export async function loadReader(
  folder: string,
  options: ReaderOptions,
  device: 'cpu' | 'cuda',
): Promise<Reader> {
  const session_options = { intraOpNumThreads: options.intraOpThreads, interOpNumThreads: 1 };
  const model = (await Florence2ForConditionalGeneration.from_pretrained(folder, {
    local_files_only: true,
    device,
    dtype: options.dtype,
    session_options,
  })) as unknown as Florence2Model;
  const processor = (await AutoProcessor.from_pretrained(folder, {
    local_files_only: true,
  })) as unknown as Florence2Processor;
  return { model, processor };
}

/** Runs the OCR task; Florence-2 gives no per-line confidence, so every line scores 1. */
export async function readText(reader: Reader, image: RawImage, options: ReaderOptions): Promise<TextLine[]> {
  const { model, processor } = reader;
  const inputs = await processor(image, processor.construct_prompts(options.task));
  const ids = await model.generate({ ...inputs, max_new_tokens: options.maxNewTokens });
  const text = processor.batch_decode(ids, { skip_special_tokens: false })[0] ?? '';
  const parsed = processor.post_process_generation(text, options.task, [image.width, image.height])[
    options.task
  ];
  if (typeof parsed === 'string') {
    return parsed
      .split(/\n|<\/?s>|<pad>/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .map((line) => ({ text: line, score: 1 }));
  }
  const { labels = [], quad_boxes = [] } = (parsed ?? {}) as { labels?: string[]; quad_boxes?: number[][] };
  return labels.map((label, i) => {
    const q = quad_boxes[i] ?? [];
    const xs = q.filter((_, k) => k % 2 === 0);
    const ys = q.filter((_, k) => k % 2 === 1);
    const text = label.replace(/<\/?s>|<pad>/g, '').trim();
    return xs.length === 0
      ? { text, score: 1 }
      : {
          text,
          score: 1,
          box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as const,
        };
  });
}
