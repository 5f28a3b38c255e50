// A YesNoVlm over an OpenAI-compatible chat completions endpoint (vLLM, SGLang), one token per answer.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import sharp from 'sharp';
import { RoadworkError } from '../../../core/errors/index.js';
import type { RgbImage } from '../../image/index.js';
import type { Clock } from '../../../core/clock/index.js';
import type { RunOptions, YesNoVlm } from '../types.js';
import { postJson } from './_client.js';
import { classifyToken, pYesFromLogprobs, type TokenLogprob } from './_logprobs.js';
import { Semaphore } from '../../workers/index.js';
import type { VlmOptions } from './_options.js';

/** A yes/no answer and where its probability came from. */
export interface VlmAnswer {
  readonly pYes: number;
  /** The answer token the server chose. */
  readonly answer: string;
  /**
   * `logprobs`: renormalised token probabilities. `text`: the server sent no logprobs, so pYes is
   * `text_fallback_p` or its complement; fusion should trust it less.
   */
  readonly source: 'logprobs' | 'text';
}

interface ChatResponse {
  choices?: Array<{
    message?: { content?: string | null };
    logprobs?: { content?: Array<TokenLogprob & { top_logprobs?: TokenLogprob[] }> | null } | null;
  }>;
}

/** Chat-completions VLM; `askYesNo` uses its own question when the caller passes an empty one. */
export class OpenAiVlm implements YesNoVlm {
  readonly version: string;
  readonly #model: string;
  readonly #o: VlmOptions;
  readonly #gate: Semaphore;
  readonly #log: Logger;
  readonly #clock: Clock;
  #closed = false;

  constructor(model: string, options: VlmOptions, deps: { readonly logger: Logger; readonly clock: Clock }) {
    this.#model = model;
    this.#o = options;
    this.#gate = new Semaphore(options.maxConcurrency);
    this.#log = deps.logger;
    this.#clock = deps.clock;
    const hash = createHash('sha256').update(options.question).digest('hex').slice(0, 8);
    this.version = `${model}@q${hash}`;
  }

  async askYesNo(image: RgbImage, question: string, options: RunOptions): Promise<VlmAnswer> {
    if (this.#closed) {
      throw new RoadworkError('ERR_NOT_READY', `VLM is closed: ${this.#model}; load it again to use it.`);
    }
    const remainingMs = options.deadlineMs - this.#clock.nowMs();
    // Waiting for a slot spends the same budget as the request itself.
    const expiry = AbortSignal.timeout(Math.max(remainingMs, 0));
    const waitSignal = options.signal === undefined ? expiry : AbortSignal.any([options.signal, expiry]);
    let release: () => void;
    try {
      release = await this.#gate.acquire(waitSignal);
    } catch (err) {
      throw new RoadworkError(
        'ERR_STAGE_TIMEOUT',
        `VLM request waited past its budget for a free slot: ${remainingMs} ms, ${this.#o.maxConcurrency} in flight; raise max_concurrency or the budget.`,
        { cause: err },
      );
    }
    try {
      const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
        .jpeg({ quality: this.#o.jpegQuality })
        .toBuffer();
      const body = {
        model: this.#model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpeg.toString('base64')}` } },
              { type: 'text', text: question.length > 0 ? question : this.#o.question },
            ],
          },
        ],
        max_tokens: 1,
        temperature: 0,
        logprobs: true,
        top_logprobs: this.#o.topLogprobs,
      };
      const answer = await postJson(`${this.#o.baseUrl}/chat/completions`, body, {
        apiKey: this.#o.apiKey,
        deadlineMs: options.deadlineMs,
        clock: this.#clock,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        maxRetries: this.#o.maxRetries,
        retryBaseMs: this.#o.retryBaseMs,
        onRetry: (attempt, reason, delayMs) =>
          this.#log.debug({ attempt, reason, delayMs }, 'retrying VLM request'),
      });
      return this.#interpret(answer as ChatResponse);
    } finally {
      release();
    }
  }

  #interpret(response: ChatResponse): VlmAnswer {
    const choice = response.choices?.[0];
    const first = choice?.logprobs?.content?.[0];
    const text = (choice?.message?.content ?? first?.token ?? '').trim();
    if (first !== undefined) {
      const alternatives = [{ token: first.token, logprob: first.logprob }, ...(first.top_logprobs ?? [])];
      const found = pYesFromLogprobs(alternatives);
      if (found !== undefined) return { pYes: found.pYes, answer: text, source: 'logprobs' };
    } else {
      const kind = classifyToken(text);
      const p = this.#o.textFallbackP;
      if (kind !== undefined) return { pYes: kind === 'yes' ? p : 1 - p, answer: text, source: 'text' };
    }
    throw new RoadworkError(
      'ERR_MODEL_OUTPUT',
      `VLM answered neither yes nor no: ${JSON.stringify(text)}; ask a yes/no question or raise top_logprobs.`,
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
