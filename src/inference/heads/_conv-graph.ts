// A conv head as an onnxruntime graph: the pooled features for serving (off the event loop) and,
// for training, the loss and its gradients written out as ONNX ops.
import { GraphBuilder } from '../runtimes/convert/index.js';
import type { ConvSpec } from './_conv.js';

/**
 * A conv head as an ONNX model. `train: false`: X `[N, cells, cellDims]`, W `[cellDims, units]`, b
 * → P `[N, units]`, the pooled features. `train: true` also takes the tails T `[N, tail]`, labels
 * Y and row weights S `[N, 1]` and the output layer v `[units + tail, 1]`, c `[1]`, and gives the
 * weighted loss `Σ S·bce(z)` and its gradients gW, gb, gv, gc. The max's gradient goes to every
 * cell that equals it and lies strictly inside (0, 6).
 */
export function convGraph(spec: ConvSpec, tail: number, train: boolean): Uint8Array {
  const g = new GraphBuilder();
  const { cellDims, units } = spec;
  for (const name of ['X', 'W', 'b', 'T', 'Y', 'S', 'v', 'c']) g.unique(name);
  const zero = g.floats('zero', [], Float32Array.of(0));
  const six = g.floats('six', [], Float32Array.of(6));
  const axis1 = g.int64s('axis1', [1]);
  const A = g.node('Add', [g.node('MatMul', ['X', 'W']), 'b'], {}, 'A');
  const H = g.node('Clip', [A, zero, six], {}, 'H');
  const Pk = g.node('ReduceMax', [H], { axes: [1], keepdims: 1 }, 'Pk');
  const P = g.node('Squeeze', [Pk, axis1], {}, 'P');
  if (!train)
    return g.encodeGraph({
      inputs: [
        { name: 'X', dims: ['N', spec.cells, cellDims] },
        { name: 'W', dims: [cellDims, units] },
        { name: 'b', dims: [units] },
      ],
      outputs: [{ name: P, dims: ['N', units] }],
      producer: 'roadwork conv-head',
    });
  // z = [P, T] · v + c; the loss Σ S·(softplus(z) − Y·z); dz = S·(σ(z) − Y).
  const PT = g.node('Concat', [P, 'T'], { axis: 1 }, 'PT');
  const z = g.node('Add', [g.node('MatMul', [PT, 'v']), 'c'], {}, 'z');
  const terms = g.node('Sub', [g.node('Softplus', [z]), g.node('Mul', ['Y', z])]);
  const loss = g.node('ReduceSum', [g.node('Mul', ['S', terms])], { keepdims: 0 }, 'loss');
  const dz = g.node('Mul', ['S', g.node('Sub', [g.node('Sigmoid', [z]), 'Y'])], {}, 'dz');
  const axis0 = g.int64s('axis0', [0]);
  const gv = g.node('MatMul', [g.node('Transpose', [PT], { perm: [1, 0] }), dz], {}, 'gv');
  const gc = g.node('ReduceSum', [dz, axis0], { keepdims: 0 }, 'gc');
  // dP = dz · v[:units]ᵀ, routed to the cells that hold each channel's max inside (0, 6).
  const vPool = g.node('Slice', ['v', g.int64s('from', [0]), g.int64s('to', [units]), axis0]);
  const dP = g.node('MatMul', [dz, g.node('Transpose', [vPool], { perm: [1, 0] })], {}, 'dP');
  const live = g.node('And', [g.node('Greater', [A, zero]), g.node('Less', [A, six])]);
  const mask = g.node('And', [g.node('Equal', [H, Pk]), live], {}, 'mask');
  const dA = g.node('Where', [mask, g.node('Unsqueeze', [dP, axis1]), zero], {}, 'dA');
  const rowsOf = (v: string, width: number) => g.node('Reshape', [v, g.int64s('shape', [-1, width])]);
  const dA2 = rowsOf(dA, units);
  const gW = g.node(
    'MatMul',
    [g.node('Transpose', [rowsOf('X', cellDims)], { perm: [1, 0] }), dA2],
    {},
    'gW',
  );
  const gb = g.node('ReduceSum', [dA2, axis0], { keepdims: 0 }, 'gb');
  return g.encodeGraph({
    inputs: [
      { name: 'X', dims: ['N', spec.cells, cellDims] },
      { name: 'W', dims: [cellDims, units] },
      { name: 'b', dims: [units] },
      { name: 'T', dims: ['N', tail] },
      { name: 'Y', dims: ['N', 1] },
      { name: 'S', dims: ['N', 1] },
      { name: 'v', dims: [units + tail, 1] },
      { name: 'c', dims: [1] },
    ],
    outputs: [
      { name: loss, dims: [] },
      { name: gW, dims: [cellDims, units] },
      { name: gb, dims: [units] },
      { name: gv, dims: [units + tail, 1] },
      { name: gc, dims: [1] },
    ],
    producer: 'roadwork conv-head',
  });
}
