/**
 * The `kserve` runtime: backbones and classifiers served by any KServe v2 / Open Inference Protocol
 * server over HTTP/REST (NVIDIA Triton, KServe, Seldon MLServer), so heavy models can move to a GPU
 * host. Preprocessing and output reading are the onnx runtime's, so a model served remotely answers
 * what the same ONNX file answers in-process. gRPC is not spoken: REST with binary tensor data costs
 * about the same per image at these tensor sizes and needs no protobuf stack.
 */
import type { Runtime } from '../types.js';
import { loadKserveClassifier, loadKserveEmbedder } from './_models.js';

export { parseKserveOptions, type KserveOptions } from './_options.js';

/** The `kserve` runtime; `model` is the served name (with `options.url`) or `http://host:port#name`. */
export const kserveRuntime: Runtime = Object.freeze({
  name: 'kserve',
  description:
    'Backbones and p(roadwork) classifiers served by a KServe v2 / Open Inference Protocol server (Triton) over HTTP',
  embedder: loadKserveEmbedder,
  classifier: loadKserveClassifier,
  modelsByName: true,
});
