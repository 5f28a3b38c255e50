/**
 * Image generation on an external SDXL server (AUTOMATIC1111 API) with the validators' settings and
 * prompt style, to make hard cases on the operator's GPU.
 */
export {
  VALIDATOR_SDXL,
  createSdxlClient,
  type GenerateRequest,
  type Img2ImgRequest,
  type SdxlClient,
  type SdxlClientOptions,
} from './_client.js';
export { randomCaption, roadworkPrompt, type PromptPair } from './_prompts.js';
export { generateImages, type GenerateImagesOptions } from './_generate.js';
