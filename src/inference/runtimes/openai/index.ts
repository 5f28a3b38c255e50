/**
 * The `openai` runtime: yes/no VLMs behind an OpenAI-compatible chat completions API (vLLM, SGLang).
 * Plain `fetch` rather than the `openai` SDK: the SDK's retry policy (429/408/409 too, backoff up to
 * seconds) and its timeout know nothing of a request's deadline, and vLLM's logprobs fields need no
 * typed client; one endpoint with deadline-bounded retries is shorter written out.
 */
import { RoadworkError } from '../../../core/errors/index.js';
import { systemClock } from '../../../core/clock/index.js';
import type { ModelRef, Runtime, RuntimeContext, YesNoVlm } from '../types.js';
import { parseVlmOptions } from './_options.js';
import { OpenAiVlm } from './_vlm.js';

export { DEFAULT_QUESTION, type VlmOptions } from './_options.js';
export type { VlmAnswer } from './_vlm.js';

/**
 * Loads a VLM: `ref.model` is the name the server serves, or `http(s)://host/v1#name` (the server and
 * the name in one string; `options.base_url` then must not disagree). Nothing is contacted until the
 * first question.
 */
export async function loadOpenAiVlm(ref: ModelRef, ctx: RuntimeContext): Promise<YesNoVlm> {
  const { name, baseUrl } = splitModel(ref.model);
  const options = parseVlmOptions(ref);
  if (baseUrl !== undefined && ref.options?.base_url !== undefined && ref.options.base_url !== baseUrl) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The VLM's server is named twice: ${baseUrl} in model and ${String(ref.options.base_url)} in options.base_url; keep one.`,
    );
  }
  const resolved = baseUrl === undefined ? options : { ...options, baseUrl };
  return new OpenAiVlm(name, resolved, {
    logger: ctx.logger.child({ runtime: 'openai', model: name }),
    clock: ctx.clock ?? systemClock(),
  });
}

/** `http://host:8000/v1#Qwen2-VL-7B` → the server and the name; a plain name stays a name. */
export function splitModel(model: string): { name: string; baseUrl?: string } {
  const hash = model.indexOf('#');
  if (!/^https?:\/\//.test(model) || hash === -1) return { name: model };
  const name = model.slice(hash + 1);
  if (name === '') {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The VLM model names a server but no model: ${model}; write http://host:port/v1#model-name.`,
    );
  }
  return { name, baseUrl: model.slice(0, hash).replace(/\/+$/, '') };
}

/** The `openai` runtime. */
export const openaiRuntime: Runtime = Object.freeze({
  name: 'openai',
  description:
    'Yes/no VLMs behind an OpenAI-compatible chat completions API (vLLM, SGLang), scored by logprobs.',
  vlm: loadOpenAiVlm,
  modelsByName: true,
});
