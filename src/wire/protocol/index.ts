// The Bittensor protocol library (`roadwork-miner/protocol`): headers, body hash, verification, dendrite, wallet.

export { parseSynapseHeaders, MAX_HEADER_VALUE, SYNAPSE_HEADERS } from './_headers.js';
export type { SynapseHeaders, HeaderFailure, ParseHeadersResult } from './_headers.js';
export { SYNAPSES, EMPTY_BODY_HASH, computeBodyHash, imageSynapse, synapseSpec } from './_synapses.js';
export type { SynapseSpec, SynapseField } from './_synapses.js';
export { pyFloatRepr, pyJsonDumps, pyStr } from './_python.js';
export type { PyKind } from './_python.js';
export { NonceStore, nonceKey } from './_nonces.js';
export { HotkeyCache, decodeHotkey, parseSignature, verifySr25519 } from './_sr25519.js';
export type { HotkeyProblem } from './_sr25519.js';
export {
  verifySynapseRequest,
  verifyParsedRequest,
  NONCE_WINDOW_VERSION,
  NONCE_ALLOWED_DELTA_NS,
  MAX_WINDOW_TIMEOUT_S,
} from './_verify.js';
export type { VerifyDeps, VerifyFailure, VerifyResult } from './_verify.js';
export { buildWireRequest, readWireAnswer } from './_wire.js';
export type { SynapseCall, WireContext, WireTarget, WireRequest, WireAnswer } from './_wire.js';
export { createDendrite, DEFAULT_DENDRITE_VERSION } from './_dendrite.js';
export { DEFAULT_PROTOCOL, PROTOCOLS, parseProtocol, type ValidatorProtocol } from './_generations.js';
export type { AxonTarget, Dendrite, DendriteOptions, DendriteResult } from './_dendrite.js';
export { loadHotkey, hotkeyFromSecret, createWallet, hotkeyPath } from '../wallet/index.js';
export type { Signer, WalletLocation } from '../wallet/index.js';
