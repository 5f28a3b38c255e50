/** IP address lists for the axon's policies (`metrics.allow_from`, `axon.trust_proxy`): parsing and lookup. */
import { BlockList, isIP } from 'node:net';
import { RoadworkError } from '../../core/errors/index.js';

/** An address with its family, as `BlockList.check` takes it. */
export interface Address {
  readonly address: string;
  readonly family: 'ipv4' | 'ipv6';
}

/** What the word `loopback` stands for in a list. */
const LOOPBACK: readonly string[] = ['127.0.0.0/8', '::1/128'];

/**
 * Compiles `a.b.c.d`, `a.b.c.d/n`, IPv6, IPv6/n and the word `loopback`; throws ERR_CONFIG_INVALID
 * naming the first entry that is none of these.
 */
export function compileRanges(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries.flatMap((e) => (e === 'loopback' ? LOOPBACK : [e]))) {
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

/** Parses an address, reading an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as IPv4; undefined if none. */
export function parseAddress(raw: string | undefined): Address | undefined {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  const address = mapped ? (mapped[1] as string) : trimmed;
  const family = isIP(address);
  return family === 0 ? undefined : { address, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether `list` holds `address`. */
export function inRanges(list: BlockList, address: Address | undefined): boolean {
  return address !== undefined && list.check(address.address, address.family);
}
