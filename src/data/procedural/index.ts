/** Procedural street scenes with and without roadwork, for the local validator and for tests. */
export { generateScene, type PixelBox, type Scene, type SceneOptions } from './scene.js';
export { ROADWORK_KINDS, type ObjectKind } from './_objects.js';
export { encodeScene, synthSource, type SynthSourceOptions } from './source.js';
export { pasteDecoys, pasteWorkZone, type PastedPhoto, type Photo } from './paste.js';
