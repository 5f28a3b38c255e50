/** Step 1, route: which synapse a request names, or the refusal for a wrong path, method or a draining axon. */
import type { Refusal } from './_refusal.js';

/** The synapses answered. PROTOCOL.md names `ImageSynapse`; some validator releases send the same
 * request as `ExtendedImageSynapse` (adds `model_url`). Both are answered the same way. */
export const SYNAPSE_NAMES: ReadonlySet<string> = new Set(['ImageSynapse', 'ExtendedImageSynapse']);

/** A synapse this axon answers. */
export type SynapseName = 'ImageSynapse' | 'ExtendedImageSynapse';

/** Where a request goes: the synapse pipeline, a probe (`/health`, `/metrics`, ...), or a refusal. */
export type Route =
  | { readonly ok: true; readonly kind: 'synapse'; readonly name: SynapseName }
  | { readonly ok: true; readonly kind: 'probe'; readonly path: string }
  | Refusal;

/**
 * Routes by method and path alone (the query string is ignored). GET and HEAD go to the probes,
 * except on a synapse path (405); everything else must be a POST to a synapse, and a draining axon
 * refuses it (503) so the caller retries another miner at once.
 */
export function route(method: string | undefined, url: string | undefined, draining: boolean): Route {
  const path = (url ?? '/').split('?')[0] ?? '/';
  const name = path.slice(1);
  if (method === 'GET' || method === 'HEAD') {
    if (SYNAPSE_NAMES.has(name))
      return refuse('ERR_METHOD_NOT_ALLOWED', `Use POST: ${method} ${path.slice(0, 64)}`);
    return { ok: true, kind: 'probe', path };
  }
  if (!SYNAPSE_NAMES.has(name)) return refuse('ERR_NOT_FOUND', `No synapse named: ${name.slice(0, 64)}`);
  if (method !== 'POST') return refuse('ERR_METHOD_NOT_ALLOWED', `Use POST: ${method}`);
  if (draining) return refuse('ERR_SHUTTING_DOWN', 'Axon is shutting down; retry another miner');
  return { ok: true, kind: 'synapse', name: name as SynapseName };
}

/**
 * The `synapse` label of the request metrics: the raw URL must be exactly a synapse path, so a query
 * string counts as `other` (labels stay bounded whatever the caller sends).
 */
export function synapseLabel(url: string | undefined): string {
  const name = (url ?? '').slice(1);
  return SYNAPSE_NAMES.has(name) ? name : 'other';
}

function refuse(code: Refusal['code'], message: string): Refusal {
  return { ok: false, code, message };
}
