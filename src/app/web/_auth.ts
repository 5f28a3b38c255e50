// Who may use the web app: anyone on loopback when no token is set; with `ui.token`, only requests that
// carry it (a bearer header, or the cookie a `?token=` link sets once).
import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { RoadworkError } from '../../core/errors/index.js';

/** The cookie a `?token=` visit sets, so the page's own requests carry the token without the URL. */
export const TOKEN_COOKIE = 'roadwork_ui';

/** Whether `host` is a loopback address or name (the only places the app may bind without a token). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** Refuses to start an app that anyone on the network could use: a non-loopback `host` needs a token. */
export function checkUiBinding(host: string, token: string): void {
  if (!isLoopback(host) && token === '')
    throw new RoadworkError(
      'ERR_UI_UNSAFE_BIND',
      `The web app would listen on ${host} without a token: anyone who reaches it could relabel the query log and start training. Set ui.token (UI_TOKEN), or keep ui.host at 127.0.0.1 and reach it through an SSH tunnel.`,
    );
}

// Hashing both sides first gives equal lengths, so the comparison time says nothing about the token.
function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** What the auth step decided: let it through (and maybe set the cookie), or refuse. */
export type AuthDecision = 'ok' | 'set-cookie' | 'refuse';

/** Judges a request against `token` (empty: every request passes). */
export function authorize(req: IncomingMessage, url: URL, token: string): AuthDecision {
  if (token === '') return 'ok';
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Bearer ') && same(header.slice(7), token)) return 'ok';
  const fromCookie = cookie(req, TOKEN_COOKIE);
  if (fromCookie !== undefined && same(fromCookie, token)) return 'ok';
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null && same(fromQuery, token)) return 'set-cookie';
  return 'refuse';
}

/** The `Set-Cookie` value for the token: HTTP-only, same-site, the whole app. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
