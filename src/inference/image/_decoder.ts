// The decoder the axon uses: limits bound once from the settings, and large images gated so that a
// burst of source-size challenges never takes every libuv thread from the small ones.
import { RoadworkError } from '../../core/errors/index.js';
import type { RgbImage } from './_rgb.js';
import { Semaphore } from '../workers/index.js';
import { decodeBase64Image, type DecodeOptions } from './_decode.js';
import type { InputPolicy } from './_policy.js';

/** Decodes base64 image text, fitted to `policy`; rejects with a coded error. */
export type ImageDecoder = (
  base64: string,
  options: { readonly policy: InputPolicy; readonly signal?: AbortSignal },
) => Promise<RgbImage>;

/** Limits of `createImageDecoder`. */
export interface ImageDecoderOptions extends Omit<DecodeOptions, 'policy' | 'turn'> {
  /** Images above this many declared pixels count as large. Default 1 048 576 (1 MP). */
  readonly largePixels?: number;
  /** Large images decoded at once; the rest wait (until their deadline). Default 2 of libuv's 4 threads. */
  readonly maxLargeDecodes?: number;
}

const NO_TURN = (): void => undefined;

/** Builds the axon's decoder. */
export function createImageDecoder(options: ImageDecoderOptions = {}): ImageDecoder {
  const largePixels = options.largePixels ?? 1 << 20;
  const gate = new Semaphore(options.maxLargeDecodes ?? 2);
  return (base64, { policy, signal }) =>
    decodeBase64Image(base64, {
      ...options,
      policy,
      turn: async (header) => {
        if (header.width * header.height <= largePixels) return NO_TURN;
        return gate.acquire(signal).catch(() => {
          throw new RoadworkError(
            'ERR_DEADLINE_EXCEEDED',
            'Deadline passed while the image waited to be decoded',
          );
        });
      },
    });
}
