// Test fixture: a local hub server on 127.0.0.1 that serves repos the way huggingface.co does, and takes
// uploads through the endpoints @huggingface/hub's commit uses (repo info, create, preupload, the LFS
// batch API with basic transfers, LFS PUT, NDJSON commit), so what a test publishes it can pull back.
import { createHash, randomBytes } from 'node:crypto';
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
  /** Uploads from this size, or with a NUL byte in their first 512 bytes, go through LFS. Default 10 MB. */
  readonly lfsFromBytes?: number;
  /** Answer every commit with this HTTP status (a hub refusing). */
  readonly failCommitWith?: number;
}

/** What uploads did to a repository. */
export interface HubUploads {
  /** Created through the API, and whether private. */
  readonly created: Map<string, { private: boolean }>;
  /** `repo:path` of files that arrived through LFS. */
  readonly lfs: Set<string>;
  /** Commits in order. */
  readonly commits: { repo: string; oid: string; summary: string }[];
}

/** One request the server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly range: string | undefined;
}

/** A running local hub server. */
export interface HubServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** The repos, including what was uploaded. */
  readonly repos: HubRepos;
  readonly uploads: HubUploads;
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
  let hubUrl = '';
  const uploads: HubUploads = { created: new Map(), lfs: new Set(), commits: [] };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({
      method: req.method ?? 'GET',
      path,
      authorization: req.headers.authorization,
      range: req.headers.range,
    });
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(path);
    if (cdn && req.method === 'PUT') return void receiveLfs(req, res, cdn[1]!);
    if (cdn) return serveBytes(req, res, blobs.get(cdn[1]!));
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end('unauthorized');
      return;
    }
    if (req.method === 'POST' || req.method === 'GET') {
      const upload = uploadRoute(req.method, path);
      if (upload !== undefined) {
        void body(req)
          .then((data) => upload(data, res))
          .catch((err: unknown) => json(res, 500, { error: String(err) }));
        return;
      }
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

  /** The upload endpoint for a request, or undefined when it is a download. */
  function uploadRoute(
    method: string,
    path: string,
  ): ((data: Buffer, res: ServerResponse) => void) | undefined {
    const info = /^\/api\/models\/([^/]+\/[^/]+)$/.exec(path);
    if (info && method === 'GET')
      return (_, res) =>
        repos[info[1]!] === undefined
          ? json(res, 404, { error: 'Repository not found' })
          : json(res, 200, { id: info[1], private: uploads.created.get(info[1]!)?.private ?? false });
    if (method !== 'POST') return undefined;
    if (path === '/api/repos/create') return createRepo;
    const pre = /^\/api\/models\/([^/]+\/[^/]+)\/preupload\/[^/]+$/.exec(path);
    if (pre) return (data, res) => preupload(pre[1]!, data, res);
    const batch = /^\/([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(path);
    if (batch) return (data, res) => lfsBatch(batch[1]!, data, res);
    const commit = /^\/api\/models\/([^/]+\/[^/]+)\/commit\/[^/]+$/.exec(path);
    if (commit) return (data, res) => commitFiles(commit[1]!, data, res);
    return undefined;
  }

  function createRepo(data: Buffer, res: ServerResponse): void {
    const asked = JSON.parse(data.toString()) as {
      name: string;
      organization: string;
      visibility?: string;
      type: string;
    };
    const id = `${asked.organization}/${asked.name}`;
    if (asked.type !== 'model') return json(res, 400, { error: 'only model repositories here' });
    if (repos[id] !== undefined) return json(res, 409, { error: 'You already created this model repo' });
    repos[id] = {};
    uploads.created.set(id, { private: asked.visibility === 'private' });
    json(res, 200, { url: `${hubUrl}/${id}`, id });
  }

  function preupload(repo: string, data: Buffer, res: ServerResponse): void {
    if (repos[repo] === undefined) return json(res, 404, { error: 'Repository not found' });
    const lfsFrom = options.lfsFromBytes ?? 10 * 1024 * 1024;
    const asked = JSON.parse(data.toString()) as { files: { path: string; size: number; sample: string }[] };
    json(res, 200, {
      files: asked.files.map((f) => ({
        path: f.path,
        uploadMode: f.size >= lfsFrom || Buffer.from(f.sample, 'base64').includes(0) ? 'lfs' : 'regular',
      })),
    });
  }

  function lfsBatch(repo: string, data: Buffer, res: ServerResponse): void {
    if (repos[repo] === undefined) return json(res, 404, { error: 'Repository not found' });
    const asked = JSON.parse(data.toString()) as {
      transfers: string[];
      objects: { oid: string; size: number }[];
    };
    if (!asked.transfers.includes('basic')) return json(res, 422, { message: 'basic transfer required' });
    json(res, 200, {
      transfer: 'basic',
      objects: asked.objects.map((o) => ({
        oid: o.oid,
        size: o.size,
        // Known objects need no upload; new ones go to the CDN's origin (no Authorization there).
        ...(blobs.has(o.oid) ? {} : { actions: { upload: { href: `${cdnUrl}/cdn/${o.oid}` } } }),
      })),
    });
  }

  function receiveLfs(req: IncomingMessage, res: ServerResponse, oid: string): void {
    void body(req).then((data) => {
      if (sha256(data) !== oid) return json(res, 400, { error: 'sha256 mismatch' });
      blobs.set(oid, data);
      res.writeHead(200).end();
    });
  }

  function commitFiles(repo: string, data: Buffer, res: ServerResponse): void {
    const files = repos[repo];
    if (files === undefined) return json(res, 404, { error: 'Repository not found' });
    if (options.failCommitWith !== undefined)
      return json(res, options.failCommitWith, { error: 'commit refused' });
    const lines = data
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
    if (lines[0]?.key !== 'header') return json(res, 400, { error: 'the first line must be the header' });
    const staged = new Map<string, { bytes: Uint8Array; lfs: boolean }>();
    for (const { key, value } of lines.slice(1)) {
      if (key === 'file' && value.encoding === 'base64') {
        staged.set(String(value.path), { bytes: Buffer.from(String(value.content), 'base64'), lfs: false });
      } else if (key === 'lfsFile') {
        const bytes = blobs.get(String(value.oid));
        if (bytes === undefined || bytes.length !== value.size)
          return json(res, 400, { error: `LFS object ${String(value.oid)} not uploaded` });
        staged.set(String(value.path), { bytes, lfs: true });
      } else return json(res, 400, { error: `cannot apply ${key}` });
    }
    // All or nothing: the commit applies only once every line checked out.
    for (const [path, f] of staged) {
      files[path] = f.bytes;
      blobs.set(sha256(f.bytes), f.bytes);
      if (f.lfs) uploads.lfs.add(`${repo}:${path}`);
      else uploads.lfs.delete(`${repo}:${path}`);
    }
    const oid = randomBytes(20).toString('hex');
    uploads.commits.push({ repo, oid, summary: String(lines[0].value.summary) });
    json(res, 200, { commitOid: oid, commitUrl: `${hubUrl}/${repo}/commit/${oid}` });
  }

  // The CDN listens on its own port: another origin, as on huggingface.co, so token handling shows.
  const hub = createServer(handle);
  const cdnServer = createServer(handle);
  const listen = async (server: typeof hub): Promise<string> => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const url = await listen(hub);
  hubUrl = url;
  cdnUrl = await listen(cdnServer);
  const stop = (server: typeof hub): Promise<void> =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return {
    url,
    requests,
    repos,
    uploads,
    close: async () => void (await Promise.all([stop(hub), stop(cdnServer)])),
  };
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
