/** Image decoding for untrusted input: strict base64, magic-byte sniffing, pixel and scan limits, a bounded decode fitted to the model's policy. */
export { decodeBase64Image, decodeImage, type DecodeOptions } from './_decode.js';
export { createImageDecoder, type ImageDecoder, type ImageDecoderOptions } from './_decoder.js';
export { readImageHeader, type ImageFormat, type ImageHeader } from './_sniff.js';
export { countJpegScans } from './_scans.js';
export type { Box, RgbImage } from './_rgb.js';
export { sampleRegion, type Region, type TensorTarget } from './_tensor.js';
export { cropWindow, tileWindows, type Window } from './_tiles.js';
export { JPEG_OPTIONS, cropResize, decodeRgb, encodeJpeg } from './_codec.js';
export {
  DEFAULT_IMAGE_POLICY,
  inputPolicy,
  policyFor,
  routeIndex,
  RESIZE_KERNELS,
  RESIZE_MODES,
  SHORT_SIDE_MAX_ASPECT,
  parseImagePolicy,
  policyKey,
  samePolicy,
  type ImagePolicy,
  type InputPolicy,
  type SizeRoutedPolicy,
  type ResizeKernel,
  type ResizeMode,
} from './_policy.js';
