/**
 * `roadwork doctor`: every check an operator needs before going live and whenever rewards look wrong,
 * each a plain async function over injected parts, run in order by `runDoctor`.
 */
export { CHECK_IDS, type CheckId, type CheckResult, type CheckStatus, type DoctorReport } from './_types.js';
export { runDoctor, defaultAxonUrl, type DoctorDeps, type DoctorOptions } from './_run.js';
export { formatReport, MARKS } from './_format.js';
export { chainOf, connectDoctorChain, type AxonOnChain, type DoctorChain } from './_chain.js';
export { readSubnet, decodeSubnet, type SubnetNeuron, type SubnetSnapshot } from './_subnet.js';
export { checkWallet } from './_wallet.js';
export { checkRegistration, immunityLeft } from './_registration.js';
export { checkChainAxon, configuredAxon } from './_axon-chain.js';
export { checkLocalAxon, type LocalAxonDeps } from './_axon-local.js';
export { checkTraffic, parseMetrics, type TrafficDeps } from './_traffic.js';
export { checkSubnetState, subnetState, BURN_SHARE, type SubnetState } from './_subnet-state.js';
export { checkModel } from './_model.js';
export { checkHost, realHost, HOST_LIMITS, type HostProbe } from './_host.js';
