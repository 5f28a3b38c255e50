// Shared by the axon tests: a real cascade whose one stage reads the image's red mean (no model files),
// real JPEGs, and a metagraph of real keys.
import sharp from 'sharp';
import { buildMetagraph, type Metagraph, type MetagraphSource } from '../chain/types.js';
import {
  createCascadePredictor,
  defineStage,
  parseCascadeConfig,
  STAGE_KINDS,
  type CascadePredictor,
  type StageKind,
} from '../../inference/cascade/index.js';
import { silentLogger } from '../../core/log/index.js';
import { hotkeyFromSecret } from '../wallet/index.js';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { systemClock } from '../../core/clock/index.js';
import { createMetrics, type Metrics } from '../../core/metrics/index.js';
import { createImageDecoder } from '../../inference/image/index.js';
import { createAxon, type AnsweredHook, type AxonOptions } from './index.js';

/** Dev keys derived for real (sr25519). */
export const MINER = hotkeyFromSecret(
  'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner',
);
export const VALIDATOR = hotkeyFromSecret(
  'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Validator',
);

/** A stage kind answering p = mean red / 255 of the image it is given, with its pixel count as detail. */
const redKind: StageKind<null> = {
  description: 'mean red',
  keys: [],
  parse: () => null,
  models: () => [],
  create: (common) =>
    defineStage(common, {
      start: async () => 'red-v1',
      close: async () => undefined,
      run: async ({ image }) => {
        let sum = 0;
        for (let i = 0; i < image.data.length; i += 3) sum += image.data[i]!;
        const pixels = image.width * image.height;
        return { probability: sum / pixels / 255, detail: { pixels } };
      },
    }),
};

/** A started cascade of one `red` stage on `size`² images; close it after use. */
export async function redCascade(size = 32): Promise<CascadePredictor> {
  const config = parseCascadeConfig(
    { preprocess: { size }, stages: [{ name: 'red', kind: 'red', expected_ms: 1 }] },
    { kinds: { ...STAGE_KINDS, red: redKind as StageKind<never> } },
  );
  const cascade = createCascadePredictor(config, {
    runtime: { cacheDir: '.', offline: true, device: 'cpu', workers: 1, logger: silentLogger() },
    logger: silentLogger(),
  });
  await cascade.start();
  return cascade;
}

/** A JPEG of one colour, base64, as a validator sends it. */
export async function solidJpeg(rgb: readonly [number, number, number], size = 64): Promise<string> {
  const jpeg = await sharp({
    create: { width: size, height: size, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
  return jpeg.toString('base64');
}

/**
 * A loaded metagraph source where VALIDATOR holds a permit and 50 000 stake and MINER is listed;
 * `permitted` are further validators with a permit and the stake given.
 */
export function metagraphOf(
  permitted: readonly { readonly hotkey: string; readonly stake: number }[] = [],
): MetagraphSource {
  const graph: Metagraph = buildMetagraph(
    72,
    100,
    [
      { uid: 0, hotkey: VALIDATOR.ss58, stake: 50_000, validatorPermit: true, axon: null },
      { uid: 1, hotkey: MINER.ss58, stake: 0, validatorPermit: false, axon: { ip: '127.0.0.1', port: 8091 } },
      ...permitted.map((v, i) => ({ uid: 2 + i, ...v, validatorPermit: true, axon: null })),
    ],
    Date.now(),
  );
  return {
    start: async () => undefined,
    current: () => graph,
    status: () => ({
      kind: 'static',
      loaded: true,
      fresh: true,
      block: graph.block,
      neurons: graph.neurons.length,
      ageMs: 0,
    }),
    close: async () => undefined,
  };
}

/**
 * The axon options the tests start from: permitted, registered callers only, a 1 MiB body limit,
 * small queues; `extra` overrides any of them.
 */
export function testAxonOptions(extra: Partial<AxonOptions> = {}): AxonOptions {
  return {
    blacklist: {
      forceValidatorPermit: true,
      allowNonRegistered: false,
      minStake: 0,
      allow: new Set(),
      deny: new Set(),
    },
    maxBodyBytes: 1 << 20,
    maxHeaderBytes: 16 << 10,
    deadlineMarginMs: 500,
    maxInFlight: 4,
    maxQueue: 16,
    maxNonces: 1000,
    ...extra,
  };
}

/** A started test axon: its port, cascade, metrics and the JSON lines it logged at info and above. */
export interface TestAxon {
  readonly port: number;
  readonly predictor: CascadePredictor;
  readonly metrics: Metrics;
  readonly lines: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** An axon for MINER on 127.0.0.1 with the red-mean cascade, `testAxonOptions(extra)` and a captured log. */
export async function startTestAxon(
  extra: Partial<AxonOptions> = {},
  onAnswered?: AnsweredHook,
): Promise<TestAxon> {
  const predictor = await redCascade(32);
  const metrics = createMetrics({ processMetrics: false });
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const axon = createAxon(
    {
      hotkey: MINER.ss58,
      metagraph: metagraphOf(),
      predictor,
      decode: createImageDecoder(),
      clock: systemClock(),
      logger,
      metrics,
      ...(onAnswered && { onAnswered }),
    },
    testAxonOptions(extra),
  );
  const { port } = (await axon.listen(0, '127.0.0.1')) as AddressInfo;
  return {
    port,
    predictor,
    metrics,
    lines,
    stop: async () => {
      await axon.close(1000);
      await predictor.close();
    },
  };
}
