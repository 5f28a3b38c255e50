/** What mining pays: the subnet's emission, price and incentive against the operator's costs (`roadwork roi`). */
export * from './types.js';
export { BURNING_OWNER_SHARE, estimateRoi, quantileShare, verdictOf } from './_estimate.js';
export { fromChain, offlineInputs, type OfflineValues, type PositionQuery } from './_inputs.js';
export { fetchTaoUsd, type PriceFeedOptions } from './_price.js';
export { formatRoi } from './_table.js';
export { renderRoiHtml } from './_html.js';
