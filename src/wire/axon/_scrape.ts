/**
 * Who may read `/metrics`: addresses in `metrics.allow_from` (loopback and private networks by
 * default, where Prometheus runs), or anyone presenting `metrics.token` as a bearer token. A miner
 * bound to a public address otherwise tells the whole internet its validators, versions and load.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { compileRanges, inRanges, parseAddress, type Address } from './_addresses.js';

/** Loopback and the private ranges (RFC 1918, RFC 4193 unique-local). */
export const PRIVATE_NETWORKS: readonly string[] = Object.freeze([
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '::1/128',
  'fc00::/7',
]);

/** A compiled scrape policy. */
export interface ScrapePolicy {
  /**
   * Whether `req` may read `/metrics`; `from` is the client's address (default the socket's peer;
   * behind a trusted proxy, the one it forwarded: see `_client-ip.ts`).
   */
  allows(req: IncomingMessage, from?: Address): boolean;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** Builds the policy; an empty `token` means no token is accepted. */
export function scrapePolicy(allowFrom: readonly string[], token = ''): ScrapePolicy {
  const list = compileRanges(allowFrom);
  const expected = Buffer.from(token);
  return {
    allows(req, from = parseAddress(req.socket.remoteAddress)) {
      if (inRanges(list, from)) return true;
      const given = bearer(req);
      if (token === '' || given === undefined) return false;
      const bytes = Buffer.from(given);
      return bytes.length === expected.length && timingSafeEqual(bytes, expected);
    },
  };
}
