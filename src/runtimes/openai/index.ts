/**
 * The `openai` runtime: yes/no VLMs behind an OpenAI-compatible chat completions API (vLLM, SGLang).
 * Plain `fetch` rather than the `openai` SDK: the SDK's retry policy (429/408/409 too, backoff up to
 * seconds) and its timeout know nothing of a request's deadline, and vLLM's logprobs fields need no
 * typed client; one endpoint with deadline-bounded retries is shorter written out.
 */
import type { ModelRef, Runtime, RuntimeContext, YesNoVlm } from '../types.js';
import { parseVlmOptions } from './_options.js';
import { OpenAiVlm } from './_vlm.js';

export { DEFAULT_QUESTION, type VlmOptions } from './_options.js';
export type { VlmAnswer } from './_vlm.js';

/** Loads a VLM: `ref.model` is the name the server serves; nothing is contacted until the first question. */
export async function loadOpenAiVlm(ref: ModelRef, ctx: RuntimeContext): Promise<YesNoVlm> {
  const options = parseVlmOptions(ref);
  return new OpenAiVlm(ref.model, options, ctx.logger.child({ runtime: 'openai', model: ref.model }));
}

/** The `openai` runtime. */
export const openaiRuntime: Runtime = Object.freeze({
  name: 'openai',
  description:
    'Yes/no VLMs behind an OpenAI-compatible chat completions API (vLLM, SGLang), scored by logprobs.',
  vlm: loadOpenAiVlm,
});
