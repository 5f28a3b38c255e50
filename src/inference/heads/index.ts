/**
 * Classifier heads on frozen embeddings, in a small portable JSON file: logistic, MLP, MIL, conv or
 * boosted trees, with the standardisation, temperature and decision shift that calibration produced.
 */
export {
  calibratedLogit,
  headLogit,
  headProbability,
  loadHead,
  logit,
  parseHead,
  sigmoid,
  type DenseLayer,
  type Head,
} from './_head.js';
export { convPool, convTail, packConv, type ConvSpec, type PackedConv } from './_conv.js';
export { convGraph } from './_conv-graph.js';
export { openHeadScorer, type HeadScorer } from './_scorer.js';
export { poolCells, type MilSpec } from './_mil.js';
export { treeLeaf, type Tree, type TreesSpec } from './_trees.js';
