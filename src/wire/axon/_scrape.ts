/**
 * Who may read `/metrics`: addresses in `metrics.allow_from` (loopback and private networks by
 * default, where Prometheus runs), or anyone presenting `metrics.token` as a bearer token. A miner
 * bound to a public address otherwise tells the whole internet its validators, versions and load.
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { RoadworkError } from '../../core/errors/index.js';

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
  /** Whether `req` may read `/metrics`. */
  allows(req: IncomingMessage): boolean;
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, IPv6 and IPv6/n; throws with the entry when one is neither. */
function compile(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new RoadworkError('ERR_CONFIG_INVALID', `not an IP address or CIDR range: ${entry}`);
    }
    list.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
}

/** The remote address, with an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) read as IPv4. */
function remote(req: IncomingMessage): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const raw = req.socket.remoteAddress;
  if (raw === undefined) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw);
  const address = mapped ? (mapped[1] as string) : raw;
  const family = isIP(address);
  return family === 0 ? undefined : { address, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** Builds the policy; an empty `token` means no token is accepted. */
export function scrapePolicy(allowFrom: readonly string[], token = ''): ScrapePolicy {
  const list = compile(allowFrom);
  const expected = Buffer.from(token);
  return {
    allows(req) {
      const from = remote(req);
      if (from !== undefined && list.check(from.address, from.family)) return true;
      const given = bearer(req);
      if (token === '' || given === undefined) return false;
      const bytes = Buffer.from(given);
      return bytes.length === expected.length && timingSafeEqual(bytes, expected);
    },
  };
}
