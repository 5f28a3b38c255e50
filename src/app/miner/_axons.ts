/** One axon per served hotkey, each with its own blacklist, nonce store and admission, over shared parts. */
import {
  clientAddresses,
  createAxon,
  scrapePolicy,
  type Axon,
  type AxonDeps,
  type AxonOptions,
} from '../../wire/axon/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import type { ServedIdentity } from './_hotkeys.js';

/** What every axon of the process shares: one metagraph, one predictor (model pool and cache), one registry. */
export type SharedParts = Omit<AxonDeps, 'hotkey'>;

/** A served hotkey with its axon (not yet listening). */
export interface ServedAxon extends ServedIdentity {
  readonly axon: Axon;
}

/**
 * Builds the axon of each identity. Only the state that is per hotkey is per axon (nonces, the caller
 * key cache, admission, refusal log); with several hotkeys each axon logs under its own `axon` field.
 */
export function buildAxons(
  settings: Settings,
  parts: { readonly identities: readonly ServedIdentity[]; readonly shared: SharedParts },
): ServedAxon[] {
  const { identities, shared } = parts;
  const several = identities.length > 1;
  return identities.map((identity) => {
    const hotkey = identity.signer.ss58;
    const logger = several ? shared.logger.child({ axon: hotkey }) : shared.logger;
    const axon = createAxon({ ...shared, hotkey, logger }, axonOptions(settings, identity));
    return { ...identity, axon };
  });
}

function axonOptions(settings: Settings, identity: ServedIdentity): AxonOptions {
  return {
    blacklist: {
      forceValidatorPermit: settings['blacklist.force_validator_permit'],
      allowNonRegistered: settings['blacklist.allow_non_registered'],
      minStake: settings['blacklist.min_stake'],
      allow: new Set(settings['blacklist.allow']),
      deny: new Set(settings['blacklist.deny']),
    },
    maxBodyBytes: settings['limits.max_body_bytes'],
    maxHeaderBytes: settings['limits.max_header_bytes'],
    deadlineMarginMs: settings['limits.deadline_margin_ms'],
    maxInFlight: settings['limits.max_in_flight'],
    maxQueue: settings['limits.max_queue'],
    maxNonces: settings['nonces.max_entries'],
    maxPerCaller: settings['limits.max_per_caller'],
    maxBodyBytesInFlight: settings['limits.max_body_bytes_in_flight'],
    maxBodyBytesPerCaller: settings['limits.max_body_bytes_per_caller'],
    bodyBytesReservedShare: settings['limits.body_bytes_reserved_share'],
    maxConnections: settings['limits.max_connections'],
    maxConnectionsPerAddress: settings['limits.max_connections_per_address'],
    modelUrl: settings['model.url'],
    externalIp: settings['axon.external_ip'] || undefined,
    externalPort: identity.externalPort || undefined,
    scrape: addressSetting('metrics.allow_from', () =>
      scrapePolicy(settings['metrics.allow_from'], settings['metrics.token']),
    ),
    clients: addressSetting('axon.trust_proxy', () => clientAddresses(settings['axon.trust_proxy'])),
    netuid: settings.netuid,
  };
}

/** Builds what an address-list setting (`metrics.allow_from`, `axon.trust_proxy`) configures, naming it when an entry is not an address. */
function addressSetting<T>(key: 'metrics.allow_from' | 'axon.trust_proxy', build: () => T): T {
  try {
    return build();
  } catch (err) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Setting ${key} is invalid: ${(err as Error).message}. Give IP addresses or CIDR ranges, e.g. 127.0.0.0/8,10.0.0.0/8.`,
      { cause: err },
    );
  }
}
