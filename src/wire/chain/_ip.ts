/** Axon addresses as the chain stores them: one u128 plus an ip type (4 or 6). */
import { isIPv4, isIPv6 } from 'node:net';

const V4_MAX = 0xffff_ffffn;

/** Formats the chain's u128 ip; the type byte wins, and an unknown type falls back on the value's size. */
export function ipFromU128(ip: bigint, ipType: number): string {
  const v4 = ipType === 4 || (ipType !== 6 && ip <= V4_MAX);
  if (v4) return [24n, 16n, 8n, 0n].map((shift) => String((ip >> shift) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip >> BigInt(112 - 16 * i)) & 0xffffn));
  return compressV6(groups);
}

// RFC 5952: the longest run of two or more zero groups becomes "::", leftmost on a tie.
function compressV6(groups: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** The u128 and ip type the chain wants for an IPv4 or IPv6 address; undefined when it is neither. */
export function ipToU128(address: string): { ip: bigint; ipType: 4 | 6 } | undefined {
  if (isIPv4(address)) {
    return { ip: address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(part), 0n), ipType: 4 };
  }
  if (!isIPv6(address)) return undefined;
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail !== undefined) {
    const v4 = ipToU128(tail)?.ip ?? 0n;
    text = `${text.slice(0, -tail.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const ip = [...left, ...zeros, ...right].reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
  return { ip, ipType: 6 };
}
