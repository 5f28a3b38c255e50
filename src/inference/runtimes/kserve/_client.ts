// A served model at load and per call: readiness, metadata and the binary choice once, then infer requests.
import type { Logger } from 'pino';
import { RoadworkError } from '../../../core/errors/index.js';
import type { Clock } from '../../../core/clock/index.js';
import type { RunOptions } from '../types.js';
import { V2Transport, excerpt, type HttpAnswer } from './_http.js';
import { checkSignature, readMetadata, type ModelMetadata, type Signature } from './_metadata.js';
import type { KserveOptions } from './_options.js';
import { HEADER_LENGTH, decodeInfer, encodeInfer } from './_tensors.js';

/** What a served model's client needs besides its options. */
export interface ClientDeps {
  readonly logger: Logger;
  readonly clock: Clock;
}

/** A served model, checked and ready: runs NCHW FP32 batches. */
export class V2Model {
  readonly signature: Signature;
  readonly metadata: ModelMetadata;
  /** Whether tensors travel as binary data (else as JSON numbers). */
  readonly binary: boolean;
  readonly #transport: V2Transport;
  readonly #path: string;
  readonly #deps: ClientDeps;

  constructor(init: {
    transport: V2Transport;
    path: string;
    signature: Signature;
    metadata: ModelMetadata;
    binary: boolean;
    deps: ClientDeps;
  }) {
    this.#transport = init.transport;
    this.#path = init.path;
    this.signature = init.signature;
    this.metadata = init.metadata;
    this.binary = init.binary;
    this.#deps = init.deps;
  }

  /** Runs `n` images' input (`n × 3 × size²` values); the output's values, flat, `n` images in order. */
  async infer(input: Float32Array, n: number, options: RunOptions): Promise<Float32Array> {
    const { size, output } = this.signature;
    const request = encodeInfer(
      { input: this.signature.input, shape: [n, 3, size, size], data: input, output },
      this.binary,
    );
    const started = performance.now();
    const answer = await this.#transport.send(`${this.#path}/infer`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      deadlineMs: options.deadlineMs,
      clock: this.#deps.clock,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const ms = performance.now() - started;
    if (answer.status !== 200) throw refused(`${this.#path}/infer`, answer);
    const header = answer.headers[HEADER_LENGTH];
    const decoded = decodeInfer(answer.body, typeof header === 'string' ? header : undefined, output);
    if (decoded.shape[0] !== n) {
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        `KServe output ${output} has shape [${decoded.shape.join(', ')}] for ${n} images; check the served model.`,
      );
    }
    this.#deps.logger.debug(
      { images: n, ms: Math.round(ms * 10) / 10, sent: request.body.length, binary: this.binary },
      'KServe infer',
    );
    return decoded.data;
  }

  close(): void {
    this.#transport.close();
  }
}

/**
 * Connects to the served model: the server ready, the model ready, its metadata fitting the stage
 * (ERR_MODEL_SERVER unreachable or refusing, ERR_MODEL_NOT_READY, ERR_MODEL_SIGNATURE). Binary data
 * when `binary` says so, or under `auto` when the server lists the `binary_tensor_data` extension.
 */
export async function connectV2(o: KserveOptions, classifier: boolean, deps: ClientDeps): Promise<V2Model> {
  const transport = new V2Transport(o.url, {
    maxSockets: o.maxSockets,
    ...(o.token ? { token: o.token } : {}),
  });
  const deadlineMs = deps.clock.nowMs() + o.loadTimeoutMs;
  const get = (path: string): Promise<HttpAnswer> =>
    transport.send(`${o.url}${path}`, { method: 'GET', deadlineMs, clock: deps.clock });
  const path = `/v2/models/${encodeURIComponent(o.name)}${o.modelVersion === undefined ? '' : `/versions/${encodeURIComponent(o.modelVersion)}`}`;
  try {
    await ready(await get('/v2/health/ready'), `KServe server ${o.url}`);
    await ready(await get(`${path}/ready`), `Model ${o.name} on ${o.url}`);
    const meta = await get(path);
    if (meta.status !== 200) throw refused(`${o.url}${path}`, meta);
    const metadata = readMetadata(parseJson(meta, `${o.url}${path}`), o.name);
    const signature = checkSignature(metadata, {
      classifier,
      ...(o.input === undefined ? {} : { input: o.input }),
      ...(o.output === undefined ? {} : { output: o.output }),
      ...(o.size === undefined ? {} : { size: o.size }),
    });
    const binary = o.binary === 'auto' ? await listsBinary(await get('/v2')) : o.binary;
    return new V2Model({ transport, path: `${o.url}${path}`, signature, metadata, binary, deps });
  } catch (err) {
    transport.close();
    throw err;
  }
}

async function ready(answer: HttpAnswer, what: string): Promise<void> {
  if (answer.status === 200) return;
  if (answer.status === 401 || answer.status === 403) throw refused(what, answer);
  throw new RoadworkError(
    'ERR_MODEL_NOT_READY',
    `${what} is not ready: HTTP ${answer.status} ${excerpt(answer.body)}; wait for it to load, or check the model name and version.`,
  );
}

/** Whether the server metadata (`GET /v2`) lists the binary tensor data extension. */
async function listsBinary(answer: HttpAnswer): Promise<boolean> {
  if (answer.status !== 200) return false;
  try {
    const extensions = (JSON.parse(answer.body.toString('utf8')) as { extensions?: unknown }).extensions;
    return Array.isArray(extensions) && extensions.includes('binary_tensor_data');
  } catch {
    return false;
  }
}

function parseJson(answer: HttpAnswer, url: string): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8')) as unknown;
  } catch (err) {
    throw new RoadworkError(
      'ERR_MODEL_SIGNATURE',
      `KServe metadata is not JSON: ${url} answered ${excerpt(answer.body)}; check that it is a v2 server.`,
      { cause: err },
    );
  }
}

function refused(what: string, answer: HttpAnswer): RoadworkError {
  return new RoadworkError(
    'ERR_MODEL_SERVER',
    `KServe server refused the request: ${what} answered HTTP ${answer.status} ${excerpt(answer.body)}; check the model name, token and inputs.`,
  );
}
