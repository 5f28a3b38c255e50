/** The metagraph from a static file or the live chain, plus the chain reads an operator needs. */
export * from './types.js';
export { CHAIN_ENDPOINTS, resolveEndpoint, type ChainNetwork } from './_endpoints.js';
export { staticMetagraph, type StaticMetagraphOptions, type StaticMetagraphSource } from './_static.js';
export { liveMetagraph, type LiveMetagraphOptions, type LiveMetagraphSource } from './_live.js';
export {
  readMetagraphFile,
  writeMetagraphFile,
  formatMetagraphFile,
  type MetagraphFileData,
} from './_file.js';
export { connectChain, fetchNeurons, type ChainProvider, type ProviderFactory } from './_api.js';
export { wsProvider } from './_ws.js';
export {
  checkHotkey,
  isHotkeyRegistered,
  uidForHotkey,
  neuronRow,
  neuronForHotkey,
  type ChainReader,
} from './_queries.js';
export type { NeuronRow } from './_decode.js';
export {
  readSubnetEconomics,
  readSubnetOwner,
  decodeIncentiveRows,
  ownerUids,
  ownerIncentiveShare,
  BURN_SHARE,
  mechanismShare,
  type IncentiveRow,
  type OwnedRow,
  type SubnetEconomics,
  type SubnetOwnerKeys,
} from './_economics.js';
export { ipFromU128, ipToU128 } from './_ip.js';
export { serveAxonCall, type AxonEndpoint } from './_serve.js';
export { hotkeyStatus, noSubnetError, subnetSize, subnetExists, type HotkeyStatus } from './_status.js';
export { planServeAxon, servedAxon, type ServeAxonPlan, type ServedAxon } from './_publish.js';
export { announceAxon, type AnnounceOptions, type Announcement } from './_announce.js';
export {
  signAndSubmit,
  polkadotSigner,
  describeDispatchError,
  type SubmitOptions,
  type Inclusion,
} from './_submit.js';
