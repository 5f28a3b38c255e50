/** Local mode: a miner and a validator on one machine, on a local metagraph, scored as the subnet does. */
export {
  freePort,
  prepareLocalNetwork,
  writeLocalMetagraph,
  LOCAL_VALIDATOR_STAKE,
  type LocalNetwork,
} from './_network.js';
export { runLocalValidator, type LocalAnswer, type LocalLoopOptions } from './_loop.js';
export { ScoreReport } from './_report.js';
