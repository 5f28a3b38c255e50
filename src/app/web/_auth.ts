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

/**
 * Refuses what a web page elsewhere could make the operator's own browser send, since on loopback the
 * app has no token by default:
 * - without a token, a `Host` that is not a loopback name: a page whose own name now resolves to
 *   127.0.0.1 (DNS rebinding) would otherwise read the log and images as if it were this app;
 * - a POST (every change: labels, undo, export, retrain) whose `Origin` is another origin, or that a
 *   browser marks cross-site, or whose body is not declared JSON: a cross-site form or `text/plain`
 *   fetch goes out without a CORS preflight, a JSON one needs the preflight this app never grants.
 * The page itself sends none of these. Fails with ERR_UI_FORBIDDEN_ORIGIN.
 */
export function refuseForeign(req: IncomingMessage, token: string): void {
  const host = req.headers.host;
  if (token === '' && host !== undefined && !isLoopback(hostnameOf(host)))
    throw forbidden(`Host ${host} is not a loopback name`);
  if (req.method !== 'POST') return;
  const origin = req.headers.origin;
  if (origin !== undefined && originHost(origin) !== host) throw forbidden(`a change sent from ${origin}`);
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') throw forbidden(`a change sent ${site}`);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw forbidden(`a change sent as ${type || 'no content type'}`);
}

function forbidden(what: string): RoadworkError {
  return new RoadworkError(
    'ERR_UI_FORBIDDEN_ORIGIN',
    `Refused ${what}: the web app takes changes only from its own page (same origin, JSON bodies).`,
  );
}

// `127.0.0.1:8080` → `127.0.0.1`, `[::1]:8080` → `::1`, `localhost` → `localhost`.
function hostnameOf(host: string): string {
  const v6 = /^\[([^\]]*)\]/.exec(host);
  if (v6 !== null) return v6[1]!;
  return host.replace(/:\d*$/, '');
}

// An `Origin` header's host (with its port), or undefined for `null` and anything unparsable.
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** The `Set-Cookie` value for the token: HTTP-only, same-site, the whole app. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
