// Test fixture: a small KServe v2 (Open Inference Protocol) server on 127.0.0.1 that runs real ONNX
// models with onnxruntime-node in this process. It speaks only what the kserve runtime uses: server and
// model readiness, server and model metadata, and infer with JSON or binary tensor data.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { openOrtSession, ortSessionOptions } from '../onnx/index.js';
import type { ModelMetadata, TensorMetadata } from './_metadata.js';

/** How the server behaves; every field can change while it runs (`server.set`). */
export interface V2ServerBehaviour {
  /** Whether it lists and accepts binary tensor data (default true); without, binary bodies get 400. */
  readonly binary: boolean;
  readonly serverReady: boolean;
  readonly modelReady: boolean;
  /** When set, every request needs `Authorization: Bearer <token>` (else 401). */
  readonly token?: string;
  /** Waits this long before answering infer. */
  readonly delayMs: number;
  /** Answers infer with this status and an error body instead of running the model. */
  readonly inferStatus?: number;
  /**
   * Drops this many requests that arrive on an already used connection, closing it unanswered, as a
   * server does whose keep-alive timeout ends as a request comes in.
   */
  readonly dropReused: number;
  /** Rewrites the model metadata it serves (to test mismatches). */
  readonly metadata?: (m: ModelMetadata) => ModelMetadata;
}

/** One infer request as the server saw it. */
export interface SeenInfer {
  readonly model: string;
  readonly binary: boolean;
  readonly shape: readonly number[];
  /** How long the model run itself took, ms (the rest of a call is transport and encoding). */
  readonly runMs: number;
}

/** A running server. */
export interface V2Server {
  /** `http://127.0.0.1:<port>`, the root before `/v2`. */
  readonly url: string;
  readonly infers: SeenInfer[];
  set(patch: Partial<V2ServerBehaviour>): void;
  close(): Promise<void>;
}

interface Served {
  readonly session: InferenceSession;
  readonly metadata: ModelMetadata;
}

/** Starts a server for `models` (served name → ONNX bytes) on a free loopback port. */
export async function startV2Server(
  models: Readonly<Record<string, Uint8Array>>,
  behaviour: Partial<V2ServerBehaviour> = {},
): Promise<V2Server> {
  let b: V2ServerBehaviour = {
    binary: true,
    serverReady: true,
    modelReady: true,
    delayMs: 0,
    dropReused: 0,
    ...behaviour,
  };
  const served = new Map<string, Served>();
  for (const [name, bytes] of Object.entries(models)) {
    const session = await openOrtSession(bytes, ortSessionOptions('cpu', {}));
    served.set(name, { session, metadata: metadataOf(name, session) });
  }
  const infers: SeenInfer[] = [];
  const used = new WeakSet<object>();
  const server = http.createServer((req, res) => {
    if (used.has(req.socket) && b.dropReused > 0) {
      b = { ...b, dropReused: b.dropReused - 1 };
      req.socket.destroy();
      return;
    }
    used.add(req.socket);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks))
        .then(([status, headers, body]) => res.writeHead(status, headers).end(body))
        .catch((err: unknown) => json(res, 500, { error: String(err) }));
    });
  });

  async function handle(
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<[number, http.OutgoingHttpHeaders, Buffer]> {
    const reply = (status: number, value: unknown): [number, http.OutgoingHttpHeaders, Buffer] => [
      status,
      { 'content-type': 'application/json' },
      Buffer.from(JSON.stringify(value)),
    ];
    if (b.token !== undefined && req.headers.authorization !== `Bearer ${b.token}`)
      return reply(401, { error: 'unauthorized' });
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/v2') {
      return reply(200, {
        name: 'roadwork-test-v2',
        version: '1',
        extensions: b.binary ? ['binary_tensor_data', 'model_repository'] : ['model_repository'],
      });
    }
    if (req.method === 'GET' && url === '/v2/health/ready') return reply(b.serverReady ? 200 : 503, {});
    const match = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(url);
    const model = match ? served.get(decodeURIComponent(match[1]!)) : undefined;
    if (match === null || model === undefined) return reply(404, { error: `no model at ${url}` });
    const action = match[3];
    if (req.method === 'GET' && action === '/ready') return reply(b.modelReady ? 200 : 400, {});
    if (req.method === 'GET' && action === undefined)
      return reply(200, b.metadata ? b.metadata(model.metadata) : model.metadata);
    if (req.method !== 'POST' || action !== '/infer') return reply(405, { error: 'method not allowed' });
    if (b.delayMs > 0) await new Promise((r) => setTimeout(r, b.delayMs));
    if (b.inferStatus !== undefined) return reply(b.inferStatus, { error: 'forced failure' });
    const headerLength = req.headers['inference-header-content-length'];
    if (headerLength !== undefined && !b.binary)
      return reply(400, { error: 'binary tensor data not supported' });
    return infer(model, body, typeof headerLength === 'string' ? Number(headerLength) : undefined);
  }

  async function infer(
    model: Served,
    body: Buffer,
    headerLength: number | undefined,
  ): Promise<[number, http.OutgoingHttpHeaders, Buffer]> {
    const request = JSON.parse(body.toString('utf8', 0, headerLength ?? body.length)) as {
      inputs: {
        name: string;
        shape: number[];
        datatype: string;
        data?: number[];
        parameters?: { binary_data_size?: number };
      }[];
      outputs?: { name: string; parameters?: { binary_data?: boolean } }[];
      parameters?: { binary_data_output?: boolean };
    };
    const feeds: Record<string, Tensor> = {};
    let offset = headerLength ?? 0;
    for (const input of request.inputs) {
      const size = input.parameters?.binary_data_size;
      let data: Float32Array;
      if (size !== undefined) {
        data = new Float32Array(size / 4);
        new Uint8Array(data.buffer).set(body.subarray(offset, offset + size));
        offset += size;
      } else data = Float32Array.from(input.data ?? []);
      feeds[input.name] = new Tensor('float32', data, input.shape);
    }
    const started = performance.now();
    const results = await model.session.run(feeds);
    infers.push({
      model: model.metadata.name,
      binary: headerLength !== undefined,
      shape: request.inputs[0]!.shape,
      runMs: performance.now() - started,
    });
    const asked: { name: string; parameters?: { binary_data?: boolean } }[] =
      request.outputs ?? model.session.outputNames.map((name) => ({ name }));
    const binaryAll = request.parameters?.binary_data_output === true;
    const parts: Buffer[] = [];
    const outputs = asked.map((o) => {
      const t = results[o.name]!;
      const data = t.data as Float32Array;
      const head = { name: o.name, datatype: 'FP32', shape: t.dims };
      if (!(binaryAll || o.parameters?.binary_data === true)) return { ...head, data: Array.from(data) };
      parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return { ...head, parameters: { binary_data_size: data.byteLength } };
    });
    const header = Buffer.from(JSON.stringify({ model_name: model.metadata.name, outputs }));
    if (parts.length === 0) return [200, { 'content-type': 'application/json' }, header];
    return [
      200,
      {
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(header.length),
      },
      Buffer.concat([header, ...parts]),
    ];
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    infers,
    set(patch) {
      b = { ...b, ...patch };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...served.values()].map((m) => m.session.release()));
    },
  };
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** The v2 metadata of a session: symbolic dimensions become -1, as Triton reports dynamic axes. */
function metadataOf(name: string, session: InferenceSession): ModelMetadata {
  const tensors = (list: readonly InferenceSession.ValueMetadata[]): TensorMetadata[] =>
    list.map((m) => ({
      name: m.name,
      datatype: m.isTensor && m.type === 'float32' ? 'FP32' : 'BYTES',
      shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : -1)) : [],
    }));
  return {
    name,
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: tensors(session.inputMetadata),
    outputs: tensors(session.outputMetadata),
  };
}
