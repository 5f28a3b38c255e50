/** Image decoding for untrusted input: strict base64, magic-byte sniffing, pixel limits, bounded decode. */
export { decodeBase64Image, decodeImage, type DecodeOptions } from './_decode.js';
export { readImageHeader, type ImageFormat, type ImageHeader } from './_sniff.js';
