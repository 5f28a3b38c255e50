/**
 * The client's address, which the axon logs and `/metrics` is allowed by. Behind a reverse proxy the
 * socket's peer is the proxy, so the address it forwards is believed, but only from a peer listed in
 * `axon.trust_proxy`: anyone else can write these headers too.
 */
import type { IncomingMessage } from 'node:http';
import { compileRanges, inRanges, parseAddress, type Address } from './_addresses.js';

/** Resolves each request's client address. */
export interface ClientAddresses {
  /** The client's address; undefined when the socket has none (it closed). */
  of(req: IncomingMessage): Address | undefined;
  /** Whether a socket's peer (`remoteAddress`) is a trusted proxy, whose connections carry many clients. */
  trusts(peer: string | undefined): boolean;
}

/**
 * Builds the resolver. With `trusted` empty (the default) the socket's peer is the client. From a
 * trusted peer, `X-Forwarded-For` is read from the right, past every trusted hop, to the first address
 * that is not one (the proxies' own appends come last, so a client cannot forge its way past them);
 * without it, `X-Real-IP`. A malformed entry stops the walk at the last trusted hop.
 */
export function clientAddresses(trusted: readonly string[]): ClientAddresses {
  const proxies = compileRanges(trusted);
  const any = trusted.length > 0;
  return {
    trusts(peer) {
      return any && inRanges(proxies, parseAddress(peer));
    },
    of(req) {
      const peer = parseAddress(req.socket.remoteAddress);
      if (!any || !inRanges(proxies, peer)) return peer;
      const forwarded = req.headersDistinct['x-forwarded-for'];
      if (forwarded !== undefined) {
        const hops = forwarded.join(',').split(',');
        let client = peer;
        for (let i = hops.length - 1; i >= 0; i--) {
          const hop = parseAddress(hops[i]);
          if (hop === undefined) break;
          client = hop;
          if (!inRanges(proxies, hop)) break;
        }
        return client;
      }
      const real = req.headersDistinct['x-real-ip'];
      return (real?.length === 1 && parseAddress(real[0])) || peer;
    },
  };
}
