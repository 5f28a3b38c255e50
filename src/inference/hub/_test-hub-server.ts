// Test fixture: a local hub server on 127.0.0.1 that serves repos the way huggingface.co does.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Repos served: repo id → file path → bytes. */
export type HubRepos = Record<string, Record<string, Uint8Array>>;

/** Options for `startHubServer`. */
export interface HubServerOptions {
  /** When set, hub (not CDN) requests without this bearer token get 401. */
  readonly token?: string;
  /** The first CDN response is cut off after this many bytes (to test resuming). */
  readonly cutFirstCdnAfter?: number;
}

/** One request the server saw. */
export interface SeenRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly range: string | undefined;
}

/** A running local hub server. */
export interface HubServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Uint8Array): string =>
  createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const isLfs = (path: string): boolean => /\.onnx(_data)?$/.test(path);

/** Starts the server on a random loopback port. */
export async function startHubServer(repos: HubRepos, options: HubServerOptions = {}): Promise<HubServer> {
  const requests: SeenRequest[] = [];
  const blobs = new Map<string, Uint8Array>();
  for (const files of Object.values(repos))
    for (const bytes of Object.values(files)) blobs.set(sha256(bytes), bytes);
  let cut = options.cutFirstCdnAfter;
  let cdnUrl = '';

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ path, authorization: req.headers.authorization, range: req.headers.range });
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn) return serveBytes(req, res, blobs.get(cdn[1]!));
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end('unauthorized');
      return;
    }
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    if (api) {
      const files = repos[api[1]!];
      if (files === undefined) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end();
      const siblings = Object.entries(files).map(([rfilename, b]) => ({
        rfilename,
        size: b.length,
        blobId: gitSha1(b),
        ...(isLfs(rfilename) ? { lfs: { sha256: sha256(b), size: b.length } } : {}),
      }));
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: api[1], sha: 'c0ffee', siblings }));
      return;
    }
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const bytes = resolve ? repos[resolve[1]!]?.[resolve[3]!] : undefined;
    if (resolve === null || bytes === undefined) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    if (isLfs(resolve[3]!)) {
      res.writeHead(302, {
        location: `${cdnUrl}/cdn/${sha256(bytes)}`,
        'x-linked-etag': `"${sha256(bytes)}"`,
        'x-linked-size': String(bytes.length),
        'x-repo-commit': 'c0ffee',
      });
      res.end();
      return;
    }
    res.setHeader('etag', `"${gitSha1(bytes)}"`);
    serveBytes(req, res, bytes);
  }

  function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array | undefined): void {
    if (bytes === undefined) return void res.writeHead(404).end();
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = bytes.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': String(body.length),
      ...(range ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    if (cut !== undefined && req.url?.startsWith('/cdn/')) {
      const n = cut;
      cut = undefined;
      // A pause lets the client read the first bytes before the connection drops mid-body.
      res.write(body.subarray(0, n), () => setTimeout(() => res.destroy(), 100));
      return;
    }
    res.end(body);
  }

  // The CDN listens on its own port: another origin, as on huggingface.co, so token handling shows.
  const hub = createServer(handle);
  const cdnServer = createServer(handle);
  const listen = async (server: typeof hub): Promise<string> => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const url = await listen(hub);
  cdnUrl = await listen(cdnServer);
  const stop = (server: typeof hub): Promise<void> =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return { url, requests, close: async () => void (await Promise.all([stop(hub), stop(cdnServer)])) };
}
