// A local model hub for tests: the endpoints @huggingface/hub uses to create a repository and commit
// files (repo info, create, preupload, the LFS batch API with basic transfers, LFS PUT, NDJSON commit),
// storing every byte so a test can compare what arrived with what was sent.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A repository as the hub holds it. */
export interface HubRepo {
  readonly private: boolean;
  readonly files: Map<string, Buffer>;
  /** Paths that arrived through LFS. */
  readonly lfs: Set<string>;
  readonly commits: { oid: string; summary: string; description?: string }[];
}

/** The running hub. */
export interface TestHub {
  readonly url: string;
  readonly repos: Map<string, HubRepo>;
  /** Every request as `METHOD path`, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Options: the token it accepts, and from which size (or any NUL byte in the sample) a file goes to LFS. */
export interface TestHubOptions {
  readonly token: string;
  readonly lfsFromBytes?: number;
  /** Answer every commit with this HTTP status instead (a hub refusing). */
  readonly failCommitWith?: number;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
}

/** Starts the hub on 127.0.0.1 and a free port. */
export async function startTestHub(options: TestHubOptions): Promise<TestHub> {
  const repos = new Map<string, HubRepo>();
  const blobs = new Map<string, Buffer>();
  const requests: string[] = [];
  const lfsFrom = options.lfsFromBytes ?? 10 * 1024 * 1024;
  let base = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    requests.push(`${req.method} ${path}`);
    // LFS uploads carry no Authorization (the href is the credential, as on the real hub's storage).
    const upload = /^\/lfs-upload\/([0-9a-f]{64})$/.exec(path);
    if (upload && req.method === 'PUT') {
      const data = await body(req);
      const oid = upload[1]!;
      if (createHash('sha256').update(data).digest('hex') !== oid)
        return json(res, 400, { error: 'sha mismatch' });
      blobs.set(oid, data);
      return void res.writeHead(200).end();
    }
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return json(res, 401, { error: 'Invalid credentials' });

    const info = /^\/api\/models\/([^/]+\/[^/]+)$/.exec(path);
    if (info && req.method === 'GET') {
      const repo = repos.get(info[1]!);
      return repo
        ? json(res, 200, { id: info[1], private: repo.private })
        : json(res, 404, { error: 'Repository not found' });
    }
    if (path === '/api/repos/create' && req.method === 'POST') {
      const asked = JSON.parse((await body(req)).toString()) as {
        name: string;
        organization: string;
        visibility?: string;
        type: string;
      };
      const id = `${asked.organization}/${asked.name}`;
      if (asked.type !== 'model') return json(res, 400, { error: 'only model repositories here' });
      if (repos.has(id)) return json(res, 409, { error: 'You already created this model repo' });
      repos.set(id, {
        private: asked.visibility === 'private',
        files: new Map(),
        lfs: new Set(),
        commits: [],
      });
      return json(res, 200, { url: `${base}/${id}`, id });
    }
    const pre = /^\/api\/models\/([^/]+\/[^/]+)\/preupload\/([^/]+)$/.exec(path);
    if (pre && req.method === 'POST') {
      if (!repos.has(pre[1]!)) return json(res, 404, { error: 'Repository not found' });
      const asked = JSON.parse((await body(req)).toString()) as {
        files: { path: string; size: number; sample: string }[];
      };
      return json(res, 200, {
        files: asked.files.map((f) => ({
          path: f.path,
          uploadMode: f.size >= lfsFrom || Buffer.from(f.sample, 'base64').includes(0) ? 'lfs' : 'regular',
        })),
      });
    }
    const batch = /^\/([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(path);
    if (batch && req.method === 'POST') {
      if (!repos.has(batch[1]!)) return json(res, 404, { error: 'Repository not found' });
      const asked = JSON.parse((await body(req)).toString()) as {
        transfers: string[];
        objects: { oid: string; size: number }[];
      };
      if (!asked.transfers.includes('basic')) return json(res, 422, { message: 'basic transfer required' });
      return json(
        res,
        200,
        {
          transfer: 'basic',
          objects: asked.objects.map((o) => ({
            oid: o.oid,
            size: o.size,
            ...(blobs.has(o.oid) ? {} : { actions: { upload: { href: `${base}/lfs-upload/${o.oid}` } } }),
          })),
        },
        { 'content-type': 'application/vnd.git-lfs+json' },
      );
    }
    const commit = /^\/api\/models\/([^/]+\/[^/]+)\/commit\/([^/]+)$/.exec(path);
    if (commit && req.method === 'POST') {
      const repo = repos.get(commit[1]!);
      if (!repo) return json(res, 404, { error: 'Repository not found' });
      if (options.failCommitWith !== undefined)
        return json(res, options.failCommitWith, { error: 'commit refused' });
      const lines = (await body(req))
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { key: string; value: Record<string, unknown> });
      const header = lines[0];
      if (header?.key !== 'header') return json(res, 400, { error: 'first line must be the header' });
      const staged = new Map<string, { data: Buffer; lfs: boolean }>();
      for (const { key, value } of lines.slice(1)) {
        if (key === 'file') {
          if (value.encoding !== 'base64') return json(res, 400, { error: 'base64 only' });
          staged.set(String(value.path), { data: Buffer.from(String(value.content), 'base64'), lfs: false });
        } else if (key === 'lfsFile') {
          const data = blobs.get(String(value.oid));
          if (!data || data.length !== value.size)
            return json(res, 400, { error: `LFS object ${String(value.oid)} not uploaded` });
          staged.set(String(value.path), { data, lfs: true });
        } else return json(res, 400, { error: `unknown key ${key}` });
      }
      for (const [p, f] of staged) {
        repo.files.set(p, f.data);
        if (f.lfs) repo.lfs.add(p);
        else repo.lfs.delete(p);
      }
      const oid = randomBytes(20).toString('hex');
      repo.commits.push({
        oid,
        summary: String(header.value.summary),
        ...(header.value.description ? { description: String(header.value.description) } : {}),
      });
      return json(res, 200, { commitOid: oid, commitUrl: `${base}/${commit[1]}/commit/${oid}` });
    }
    json(res, 404, { error: `no route ${req.method} ${path}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    repos,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
