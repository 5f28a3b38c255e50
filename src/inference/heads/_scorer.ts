// Scores embeddings with a head off the event loop where it costs: a conv head's convolution over
// every cell (~20 M multiply-adds a view at 224 px, ~26 ms of JS) runs in onnxruntime's own thread,
// so a served challenge never blocks the axon; the other heads are a dot product or two, in place.
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { openOrtSession } from '../runtimes/onnx/index.js';
import { transposed } from '../../core/linalg/index.js';
import { convTail, packConv } from './_conv.js';
import { convGraph } from './_conv-graph.js';
import { headLogit, type DenseLayer, type Head } from './_head.js';

/** Embeddings per onnxruntime run. */
const RUN_ROWS = 256;

/** Raw logits (before temperature and shift) of a head, for any number of embeddings at once. */
export interface HeadScorer {
  logits(embeddings: readonly Float32Array[]): Promise<number[]>;
  close(): Promise<void>;
}

/** A scorer for `head`: `headLogit` in place, or a conv head's pooled features by onnxruntime. */
export async function openHeadScorer(head: Head): Promise<HeadScorer> {
  const spec = head.conv;
  if (spec === undefined)
    return {
      logits: (embeddings) => Promise.resolve(embeddings.map((e) => headLogit(head, e))),
      close: () => Promise.resolve(),
    };
  const [conv, output] = head.layers as [DenseLayer, DenseLayer];
  const { cells, cellDims, units } = spec;
  const packed = packConv(conv.weights, conv.bias);
  const W = new Tensor('float32', transposed(packed.weights, units, cellDims), [cellDims, units]);
  const b = new Tensor('float32', packed.bias, [units]);
  const v = output.weights[0]!;
  const tail = convTail(spec, head.inputDims);
  // One intra-op thread: the graph is small, and the embedder's workers hold the other cores.
  const session: InferenceSession = await openOrtSession(convGraph(spec, tail, false), {
    intraOpNumThreads: 1,
  });
  return {
    async logits(embeddings) {
      const block = cells * cellDims;
      const out: number[] = [];
      // A bounded run at a time: 256 views of 224 px cells are 16 MB of input.
      for (let from = 0; from < embeddings.length; from += RUN_ROWS) {
        const part = embeddings.slice(from, from + RUN_ROWS);
        const x = new Float32Array(part.length * block);
        part.forEach((e, i) => x.set(e.subarray(0, block), i * block));
        const { P } = await session.run({
          X: new Tensor('float32', x, [part.length, cells, cellDims]),
          W,
          b,
        });
        const pooled = P!.data as Float32Array;
        part.forEach((e, i) => {
          let z = output.bias[0]!;
          for (let j = 0; j < units; j++) z += v[j]! * pooled[i * units + j]!;
          for (let t = 0; t < tail; t++) z += v[units + t]! * e[block + t]!;
          out.push(z);
        });
      }
      return out;
    },
    close: () => session.release(),
  };
}
