// A client for an SDXL server speaking the AUTOMATIC1111 web API (/sdapi/v1/txt2img and /img2img).
import { RoadworkError } from '../../core/errors/index.js';

/** The validators' generation settings (PROTOCOL.md §5). */
export const VALIDATOR_SDXL = Object.freeze({ steps: 25, guidance: 8, strength: 0.7 });

/** Options of `createSdxlClient`. */
export interface SdxlClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:7860`. */
  readonly url: string;
  /** Per request. Default 120 s (SDXL at 1024² takes seconds to a minute on one GPU). */
  readonly timeoutMs?: number;
  /** Further tries after a network error, a timeout or a 5xx. Default 2. */
  readonly retries?: number;
  /** Requests in flight at once (the GPU's queue, not ours). Default 1. */
  readonly concurrency?: number;
  /** Wait before retry k is `backoffMs · 2^k`. Default 500. */
  readonly backoffMs?: number;
}

/** One generation request. Defaults: validator steps and guidance, 1024×1024, a random seed. */
export interface GenerateRequest {
  readonly prompt: string;
  readonly negativePrompt?: string;
  readonly width?: number;
  readonly height?: number;
  readonly seed?: number;
  readonly steps?: number;
  readonly guidance?: number;
}

/** An image-to-image request: `image` (PNG/JPEG bytes) redrawn at `strength` (default 0.7). */
export interface Img2ImgRequest extends GenerateRequest {
  readonly image: Buffer;
  readonly strength?: number;
}

/** The client. Each call resolves with the image bytes the server returned (PNG for A1111). */
export interface SdxlClient {
  txt2img(request: GenerateRequest): Promise<Buffer>;
  img2img(request: Img2ImgRequest): Promise<Buffer>;
}

function serverError(message: string, cause?: unknown): RoadworkError {
  return new RoadworkError('ERR_MODEL_SERVER', message, cause === undefined ? undefined : { cause });
}

function body(request: GenerateRequest): Record<string, unknown> {
  return {
    prompt: request.prompt,
    negative_prompt: request.negativePrompt ?? '',
    steps: request.steps ?? VALIDATOR_SDXL.steps,
    cfg_scale: request.guidance ?? VALIDATOR_SDXL.guidance,
    width: request.width ?? 1024,
    height: request.height ?? 1024,
    seed: request.seed ?? -1,
    batch_size: 1,
    n_iter: 1,
  };
}

/** Creates a client; nothing is sent until the first call. */
export function createSdxlClient(options: SdxlClientOptions): SdxlClient {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 120_000;
  const retries = options.retries ?? 2;
  const backoffMs = options.backoffMs ?? 500;
  const limit = Math.max(1, options.concurrency ?? 1);
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    while (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = () => {
    active--;
    waiting.shift()?.();
  };

  async function once(
    path: string,
    payload: Record<string, unknown>,
  ): Promise<{ retry: boolean; error?: RoadworkError; image?: Buffer }> {
    const url = `${base}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      return {
        retry: true,
        error: serverError(
          timedOut
            ? `The image server did not answer within ${timeoutMs} ms: ${url}; raise the timeout or check the GPU.`
            : `The image server cannot be reached: ${url}; check that it runs with --api.`,
          err,
        ),
      };
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      return {
        retry: res.status >= 500,
        error: serverError(
          `The image server answered ${res.status} at ${url}: ${text.slice(0, 200)}; check its log.`,
        ),
      };
    }
    let images: unknown;
    try {
      images = (JSON.parse(text) as { images?: unknown }).images;
    } catch (err) {
      return {
        retry: false,
        error: serverError(
          `The image server answered with invalid JSON at ${url}; is it an AUTOMATIC1111-style API?`,
          err,
        ),
      };
    }
    if (!Array.isArray(images) || typeof images[0] !== 'string' || images[0] === '') {
      return {
        retry: false,
        error: serverError(`The image server answered without images at ${url}; check its log.`),
      };
    }
    // Some servers prefix a data URL; the payload after the comma is the same base64.
    return { retry: false, image: Buffer.from(images[0].replace(/^data:[^,]*,/, ''), 'base64') };
  }

  async function post(path: string, payload: Record<string, unknown>): Promise<Buffer> {
    await acquire();
    try {
      for (let attempt = 0; ; attempt++) {
        const r = await once(path, payload);
        if (r.image) return r.image;
        if (!r.retry || attempt >= retries) throw r.error!;
        await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** attempt));
      }
    } finally {
      release();
    }
  }

  return Object.freeze({
    txt2img: (request: GenerateRequest) => post('/sdapi/v1/txt2img', body(request)),
    img2img: (request: Img2ImgRequest) =>
      post('/sdapi/v1/img2img', {
        ...body(request),
        init_images: [request.image.toString('base64')],
        denoising_strength: request.strength ?? VALIDATOR_SDXL.strength,
      }),
  });
}
