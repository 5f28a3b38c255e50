// Florence-2 OCR through transformers.js: the `<OCR>` and `<OCR_WITH_REGION>` task prompts.
import {
  AutoProcessor,
  Florence2ForConditionalGeneration,
  StoppingCriteria,
  type RawImage,
} from '@huggingface/transformers';
import { RoadworkError } from '../../../core/errors/index.js';
import type { TextLine } from '../types.js';
import type { ReaderOptions } from './_options.js';

// Loose views: the processor's Florence-2 methods are not on AutoProcessor's declared type.
interface Florence2Processor {
  (images: RawImage, text: string): Promise<Record<string, unknown>>;
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

/** Ends generation once the deadline has passed: a late answer earns nothing, and the worker is needed. */
class DeadlineCriteria extends StoppingCriteria {
  hit = false;
  readonly #remainingMs: () => number;

  constructor(remainingMs: () => number) {
    super();
    this.#remainingMs = remainingMs;
  }

  override _call(input_ids: number[][]): boolean[] {
    this.hit ||= this.#remainingMs() <= 0;
    return input_ids.map(() => this.hit);
  }
}

/**
 * Turns the processor's parsed answer into lines: `<OCR>` text splits at newlines; `<OCR_WITH_REGION>`
 * labels keep the bounding box of their quadrilateral (pixels of the image the size was given for).
 */
export function linesOf(parsed: unknown): TextLine[] {
  if (typeof parsed === 'string') {
    return parsed
      .split(/\n|<\/?s>|<pad>/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .map((line) => ({ text: line, score: 1 }));
  }
  const { labels = [], quad_boxes = [] } = (parsed ?? {}) as { labels?: string[]; quad_boxes?: number[][] };
  return labels.flatMap((label, i) => {
    const text = label.replace(/<\/?s>|<pad>/g, '').trim();
    if (text.length === 0) return [];
    const q = quad_boxes[i] ?? [];
    const xs = q.filter((_, k) => k % 2 === 0);
    const ys = q.filter((_, k) => k % 2 === 1);
    return xs.length === 0
      ? [{ text, score: 1 }]
      : [
          {
            text,
            score: 1,
            box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)] as const,
          },
        ];
  });
}

/**
 * Runs the OCR task; Florence-2 gives no per-line confidence, so every line scores 1. Decoding is
 * greedy whatever the folder's generation config says, so a reading is repeatable. Generation stops
 * once `remainingMs()` reaches 0 (the job's budget) with ERR_DEADLINE_EXCEEDED.
 */
export async function readText(
  reader: Reader,
  image: RawImage,
  options: ReaderOptions & { readonly remainingMs?: () => number },
): Promise<TextLine[]> {
  const { model, processor } = reader;
  const remainingMs = options.remainingMs ?? ((): number => Number.POSITIVE_INFINITY);
  const deadline = new DeadlineCriteria(remainingMs);
  // The processor expands the task token into its prompt (`<OCR>` → "What is the text in the image?").
  const inputs = await processor(image, options.task);
  const ids = await model.generate({
    ...inputs,
    max_new_tokens: options.maxNewTokens,
    do_sample: false,
    num_beams: 1,
    stopping_criteria: [deadline],
  });
  if (deadline.hit) {
    throw new RoadworkError(
      'ERR_DEADLINE_EXCEEDED',
      `Florence-2 reading ran past its deadline: ${Math.round(-remainingMs())} ms late; generation stopped and the lines dropped.`,
    );
  }
  const text = processor.batch_decode(ids, { skip_special_tokens: false })[0] ?? '';
  // `size` is [width, height]: the processor scales even (x) bins by size[0], odd (y) bins by size[1].
  const parsed = processor.post_process_generation(text, options.task, [image.width, image.height]);
  return linesOf(parsed[options.task]);
}
