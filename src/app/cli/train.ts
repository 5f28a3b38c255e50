/** `roadwork train`: embed a labelled folder (cached), cross-validate by group, calibrate, write a head. */
import { Command, Option } from 'commander';
import { RoadworkError } from '../../core/errors/index.js';
import { checkWritableFile, writeFileAtomic } from '../../core/files/index.js';
import type { MilSpec } from '../../inference/heads/index.js';
import {
  defaultFitWorkers,
  drawsText,
  embeddedRows,
  openFitPool,
  predictionsCsv,
  parseStyleKinds,
  proxyTable,
  repeatsTable,
  reportTable,
  splitGroups,
  styleRoom,
  sweepTable,
  trainHead,
  writeHead,
  type ColumnL2,
  type ViewSet,
} from '../../lifecycle/train/index.js';
import { VIEW_COUNTS, addEmbeddingFlags, embeddingOptions } from './_embedding-flags.js';
import { countFlag, numberFlag, numberListFlag } from './_number-flag.js';
import { bundleTrainedModel, parseBaseHeads, planBase } from './_train-bundle.js';
import { ensembleFiles, ensembleReport, ensembleText, parseViewSeeds, viewSet } from './_train-views.js';
import { CONV_DEFAULTS, checkConvCells, convConfig, parseConvFlag } from './_conv-flag.js';
import { modelOnlyFlag } from './_model-flag.js';

/** Where the command writes; tests pass their own. */
export interface TrainIo {
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** The environment settings are read from (`data_dir` for `--bundle`); default none. */
  readonly env?: Record<string, string | undefined>;
}

const HELP = `
Example (the starter's 2.0.4 head, about 13 minutes of embedding on 2 CPU cores the first time, then
about 4 minutes of fitting from the embedding cache; its model card has the 0.4 head's command):
  roadwork train --data /path/to/roadwork-real-train --data /path/to/street-negatives-camvid \\
    --out models/starter/head.json --protocol 2.0.4 --train-views 1,3,3,6 --split-group tracon-web \\
    --l2 0.01 --embedder-options '{"layer":"out_relu","pooling":"max","inputSize":448,"extras":["colour-shape"]}'

Every image is rendered as validators send it (--protocol 0.4: JPEG quality 75 at its own size;
2.0.4: the four augmentation levels, seeded, then JPEG quality 75) and embedded once into the cache
(--embeddings.cache_dir, default <data_dir>/embeddings; data_dir is ~/.roadwork unless --data_dir,
ROADWORK_DATA_DIR or the --config file says otherwise), keyed by the embedder version, so a new
backbone starts a new cache. An image that
cannot be read or decoded is skipped with a warning naming it (--strict fails instead); data of one
label only is refused before any embedding.
Metrics come from grouped cross-validation (manifest column "group"), with temperature and shift
cross-fitted across folds and 95 % intervals from a bootstrap over groups. See docs/training.md.

A backbone on another runtime, e.g. DINOv3 through transformers.js (options are the runtime's; the
default backbone's colour/shape extras are not added to another backbone):
  roadwork train --data DIR --out models/dinov3/head.json \\
    --embedder transformers:onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX \\
    --embedder-options '{"pooling":"cls","dtype":"fp32"}'

--bundle DIR also writes a model bundle (head.json, cascade.json serving it, manifest.json with the
metrics, the data version and the production model as parent); --register records it in the
registry under data_dir (roadwork models versions), ready for roadwork models promote.
With --base CASCADE (a cascade file, a bundle folder, or production: the registry's production
version, else the bundled starter) the bundle is that cascade with the new head in place of the one
backbone-head stage whose embedder, preprocess and TTA are the training's (--base-stage NAME picks
it); every other route, stage and file stays, e.g. the starter's 2.0.4 route and OCR stage around a
retrained 0.4 route. A run's heads take the place of all of the stage's heads, or of those
--base-heads FIRST-LAST names (counted from 1; past the last one adds them after): the starter's 0.4
stage is three MLP heads, then five on the colour/shape columns alone, so its MLPs are retrained with
  roadwork train --data ../photos --protocol 0.4 --preprocess-size 448 --preprocess-resize short-side \\
    --embedder-options '{"layer":"out_relu","pooling":"max","inputSize":448,"tiles":3,"extras":["colour-shape"]}' \\
    --model mlp --view-seeds s2,s3 --ensemble --out head.json --bundle b --register --base production \\
    --base-heads 1-3

--train-views N0,N1,N2,N3 embeds that many more validator views of every image per level and fits
on them too, never scoring them: a view trains only where its image's group trains, so the held-out
numbers stay those of --views while the head sees more of the augmentations (level 3's noise and blur
come in nine combinations).

--model conv fine-tunes the backbone's own last 1×1 convolution (MobileNetV2: --conv 49,Conv_1)
on the cells of the layer it reads, with the embedder options
'{"layer":"block_16_project_BN","pooling":"cells","extras":["colour-shape"]}'; EPOCHS 0 is the
frozen max-pooled backbone, the control (docs/training.md, "Fine-tuning the backbone's last convolution").

--data may be repeated: the folders are one data set, each group namespaced by its folder's name
(roadwork-real-train/tracon-web), image ids and the embedding cache per image as before; a --bundle
records every folder (its data version joins each folder's with " + "):
  roadwork train --data ../shared/data/roadwork-real-train --data ../shared/data/street-negatives-camvid ...

Beside the main table, the same-camera proxy: cross-validation holding whole cameras out (KITTI,
CamVid, highway as one camera each; each dashcam city or clip; web photos one by one), scored only
inside one kind of camera (in-car: dashcam work zones against dashcam streets, KITTI, highway; web
photos), where the photo style cannot tell the labels apart. Its headline is the in-car MCC and AUC.
--select-by family chooses the L2 by it. Families come from the group names (src/lifecycle/train/_families.ts).

--repeats N runs every cross-validation over N draws of its folds (the same views; seeds SEED,
SEED#2, …) and adds each protocol's mean, standard deviation and range to the report: on the
starter's data one recipe's proxy MCC moves by up to 0.17 with the folds alone (and by more with
--seed, which also draws the views), so compare recipes by the mean, at more than one --seed. The L2 is chosen by the mean; the tables, intervals and the head's calibration are
the first draw's (the unrepeated run's). N draws cost N times the fitting.

--view-seeds S2,S3 also draws the views anew: the same images rendered under those seeds (views,
training-only views, synthetic scenes, pasted copies; each embedded once into the cache, as long as
--seed's the first time), and both protocols run their --repeats draws of the folds on each. The L2
is chosen by the mean over every draw; the report adds each seed's views alone (on the starter's
data a pair of recipes swapped places with the views); the tables, calibration and head stay
--seed's. The draws on seed S's views are those a run at --seed S --repeats N makes, and roadwork
models diff compares two such versions draw by draw and seed by seed.

--ensemble (with --view-seeds) ships a head per seed instead: --out for --seed's, OUT-SEED.json beside
it for each other seed, each the head a run at that --seed ships at the chosen L2. It also scores
their mean (the mean of the heads' calibrated logits, view by view, as a stage with head: [a, b, c]
serves it) and, with --bundle, serves every head in one stage (with --base, in place of the stage's
heads and names): the starter's routes are such ensembles, of two recipes each.
--predictions P.csv then writes each head's out-of-fold answers too: P.csv for --seed's, P-SEED.csv
for the others (bench/ensemble-predictions.ts scores any mean of them).

--style-views greyworld,jitter,grey adds training-only copies of every scored view under those
style-destroying transforms (grey-world white balance, random colour jitter, grayscale).

--paste-views N adds N training-only copies of every roadwork-free image with a procedural work zone
painted in, labelled roadwork: the same camera, the other label, so the look of a photo cannot tell
the labels apart (each copy a validator view of its own, never scored). On the shared data it trades
one camera's errors for another's under 2.0.4 and hurts the 0.4 route (docs/training.md).

--paste-decoys N adds N such copies with look-alikes painted in (an orange car, a stop sign,
pedestrians), still roadwork-free: copy k has the same road, camera and view as work zone k, so the
pair differs only by what is drawn, and a drawn object alone cannot make the label.

--synthetic N adds N procedural street scenes (half with roadwork, seeded by --seed) to the training
side only: same views, same cache, added to every fold's fit and the final one, never scored nor
used for calibration or exits.`;

function parseSynthetic(opts: Record<string, unknown>): { count: number; weight: number } {
  return {
    count: numberFlag(opts.synthetic, '--synthetic', { min: 0, integer: true, example: '200' }),
    weight: numberFlag(opts.syntheticWeight, '--synthetic-weight', { above: 0, example: '0.5' }),
  };
}

/** `START:END` with START < END, as `--columns` and each `--column-l2` range write it; else undefined. */
function columnRange(text: string): [number, number] | undefined {
  const m = /^(\d+):(\d+)$/.exec(text);
  return m === null || Number(m[1]) >= Number(m[2]) ? undefined : [Number(m[1]), Number(m[2])];
}

function parseColumns(value: unknown): [number, number] | undefined {
  if (value === undefined) return undefined;
  const range = columnRange(String(value));
  if (range === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --columns: ${String(value)}; write START:END with START < END`,
    );
  }
  return range;
}

/** Refuses a per-input flag with a `--model` of `models` (mil and conv heads share weights across cells). */
function refuseFor(models: readonly string[], flag: string, value: unknown, model: unknown): void {
  if (models.includes(String(model)))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid ${flag}: ${String(value)}; ${String(model)} heads share their weights across cells; use it with logistic or mlp`,
    );
}

/** `--column-l2`: `START:END=FACTOR` ranges, comma-separated. */
function parseColumnL2(value: unknown, model: unknown): ColumnL2[] | undefined {
  if (value === undefined) return undefined;
  const bad = (why: string): never => {
    throw new RoadworkError('ERR_CONFIG_INVALID', `Invalid --column-l2: ${String(value)}; ${why}`);
  };
  // A conv head scales the L2 of its output layer's input: the pool's channels, then the tail.
  refuseFor(['mil'], '--column-l2', value, model);
  return String(value)
    .split(',')
    .map((part) => {
      const m = /^(\d+:\d+)=([0-9.eE+-]+)$/.exec(part.trim());
      const range = m === null ? undefined : columnRange(m[1]!);
      const factor = Number(m?.[2]);
      if (range === undefined || !(factor >= 0 && Number.isFinite(factor)))
        return bad('write START:END=FACTOR[,…] with START < END and a factor ≥ 0, e.g. 0:1280=10');
      return { from: range[0], to: range[1], factor };
    });
}

/** `--style-null`: how many style directions to remove, for logistic and MLP heads. */
function parseStyleNull(value: unknown, model: unknown): number | undefined {
  if (value === undefined) return undefined;
  refuseFor(['mil', 'conv'], '--style-null', value, model);
  return countFlag(value, '--style-null', { example: '8' });
}

/**
 * What `--style-null` will remove, given the directions the data's cameras span (`styleRoom`); refuses
 * data with one camera per label, where it would remove nothing without a word.
 */
function styleNullLine(k: number, room: number): string {
  if (room === 0)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --style-null: ${k}; every label's photos come from one camera (manifest group), so no direction tells cameras apart. Give manifest groups per camera, or drop the flag`,
    );
  return `style nullspace: removing ${Math.min(k, room)} direction(s) along which cameras differ inside one label (the cameras span ${room})`;
}

/**
 * `--columns` and `--column-l2` against the embedding's width, once it is known: a range past the end
 * would otherwise be cut short, or scale nothing, without a word.
 */
function checkColumnRanges(
  opts: Record<string, unknown>,
  columns: readonly [number, number] | undefined,
  columnL2: readonly ColumnL2[] | undefined,
  dims: number,
): void {
  if (columns !== undefined && columns[1] > dims)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --columns: ${String(opts.columns)}; the embedding has ${dims} columns (0:${dims})`,
    );
  const width = columns === undefined ? dims : columns[1] - columns[0];
  const past = columnL2?.find((range) => range.to > width);
  if (past !== undefined)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --column-l2: ${String(opts.columnL2)}; ${past.from}:${past.to} runs past the ${width} columns the head sees` +
        (columns === undefined ? ` (the embedding's)` : ` (those --columns keeps, counted from 0)`),
    );
}

/** Builds the `train` command. */
export function trainCommand(io: TrainIo = {}): Command {
  const command = new Command('train').description(
    'Train a classifier head on frozen-backbone embeddings of validator-style views',
  );
  addEmbeddingFlags(command)
    .requiredOption('--out <file>', 'the head file to write (src/inference/heads format)')
    .addOption(
      new Option('--model <type>', 'head type')
        .choices(['logistic', 'mlp', 'mil', 'conv'])
        .default('logistic'),
    )
    .option('--l2 <list>', 'L2 strengths to try; the best grouped-CV MCC wins', '0.003,0.01,0.03,0.1')
    .option('--hidden <n>', 'MLP hidden units', '32')
    .option(
      '--mil <cells,dims,pool>',
      'mil heads: cells per embedding (H·W of a tfjs `pooling: cells` embedder), values per cell, and the pooling: max, or a number r for log-sum-exp of sharpness r (e.g. 49,1280,4)',
    )
    .option(
      '--conv <cells,layer[,epochs[,lr]]>',
      `conv heads: cells per embedding, the backbone's 1×1 convolution to start from and fine-tune (it must read the embedded layer), passes of Adam (default ${CONV_DEFAULTS.epochs}) and its step (default ${CONV_DEFAULTS.lr}), e.g. 49,Conv_1,3,1e-4`,
    )
    .option('--folds <k>', 'grouped cross-validation folds', '5')
    .option(
      '--repeats <n>',
      "run each cross-validation over n draws of its folds (seeds SEED, SEED#2, …): the L2 is chosen by the mean MCC and the report adds every protocol's mean, spread and range",
      '1',
    )
    .option(
      '--view-seeds <seeds>',
      "also cross-validate on the views of these seeds (comma-separated; each embedded and cached): every protocol runs its --repeats draws on each seed's views too",
    )
    .option(
      '--ensemble',
      'with --view-seeds: ship a head per seed of the views (--out, then OUT-SEED.json for each), served as one stage that answers the mean of their calibrated logits; the mean is scored too',
    )
    .option('--max-iter <n>', 'optimiser iterations per fit', '300')
    .option(
      '--fit-workers <n>',
      "worker threads fitting the cross-validations' heads side by side (1: in this thread); default one per CPU core",
    )
    .option(
      '--columns <start:end>',
      'use only feature columns [start, end) of the embedding (logistic and mlp heads; the head file is written for the whole embedding, zero weights elsewhere)',
    )
    .option(
      '--column-l2 <start:end=factor,...>',
      'multiply the L2 strength on feature columns [start, end) by factor (e.g. 0:1280=10 leans the head on the colour/shape columns); logistic and mlp heads',
    )
    .option(
      '--style-null <k>',
      'remove the k directions along which cameras differ most inside one label (dashcam cities, KITTI, CamVid, web photos) from the features before fitting, so the head cannot read them; logistic and mlp heads',
    )
    .addOption(
      new Option('--no-eval-tta', 'ablations: train on the mirror twins but score without averaging them'),
    )
    .option(
      '--split-group <names>',
      'comma-separated manifest groups of independent photos (not frames of one drive) that CV may split by image',
    )
    .option(
      '--balance-cameras',
      'weigh training rows so every (camera kind, label) cell counts the same: in-car and web photos each half roadwork, so the camera says nothing about the label',
    )
    .option(
      '--train-views <n0,n1,n2,n3>',
      'more augmented views per image at levels 0..3 that only train (never scored), e.g. 0,1,1,3',
      '0,0,0,0',
    )
    .option(
      '--style-views <kinds>',
      'training-only copies of every scored view under style-destroying transforms: greyworld, jitter, grey (comma-separated)',
      '',
    )
    .option(
      '--paste-views <n>',
      'training-only copies of every roadwork-free image with a procedural work zone painted in, labelled roadwork (the same camera, the other label)',
      '0',
    )
    .option(
      '--paste-decoys <n>',
      'training-only copies of every roadwork-free image with look-alikes painted in (an orange car, a stop sign, pedestrians), still roadwork-free: a drawn object alone is not roadwork',
      '0',
    )
    .option('--synthetic <n>', 'procedural scenes added to the training side only (half with roadwork)', '0')
    .option('--synthetic-weight <w>', 'sample weight of a synthetic view relative to a real one', '1')
    .addOption(
      new Option(
        '--select-by <protocol>',
        'which held-out MCC chooses the L2: cv (grouped CV, as --split-group says) or family (the same-camera proxy)',
      )
        .choices(['cv', 'family'])
        .default('cv'),
    )
    .option('--report <file>', 'also write the full report as JSON')
    .option(
      '--predictions <file>',
      "also write every scored view's out-of-fold probability as CSV (grouped CV, then the proxy; with --ensemble, FILE-SEED.csv beside it for each other seed's head)",
    )
    .option('--bundle <dir>', 'also write a model bundle of the head (cascade config, metrics, data version)')
    .option('--register', 'register the bundle in the model registry (needs --bundle)')
    .option(
      '--base <cascade>',
      'with --bundle: serve the head inside this cascade (a file, a bundle folder, or production), in place of the backbone-head stage it fits; its other routes and stages stay',
    )
    .option('--base-stage <name>', 'with --base: the stage the head replaces (default: the one that fits)')
    .option(
      '--base-heads <first-last>',
      "with --base: replace only these of the stage's heads, counted from 1 (e.g. 6-10; past the last one adds heads after them); the others keep their places",
    )
    .option(
      '--base-or-alone',
      'with --base: bundle the head alone when it fits no stage of the base, instead of failing',
    )
    .addHelpText('after', HELP)
    .action(async (opts: Record<string, unknown>) => {
      const stdout = io.stdout ?? process.stdout;
      const stderr = io.stderr ?? process.stderr;
      const emb = embeddingOptions(opts, stderr, io.env ?? {});
      const folds = numberFlag(opts.folds, '--folds', { min: 2, integer: true, example: '5' });
      const repeats = countFlag(opts.repeats, '--repeats', { example: '5' });
      const viewSeeds = parseViewSeeds(opts.viewSeeds, emb.seed);
      const ensemble = opts.ensemble === true;
      if (ensemble && viewSeeds.length === 0)
        throw new RoadworkError(
          'ERR_CONFIG_INVALID',
          'Invalid --ensemble: no --view-seeds; give the other seeds of the views, e.g. --view-seeds s2,s3',
        );
      const seedFiles = (file: string, ext?: string) =>
        ensemble ? ensembleFiles(file, [emb.seed, ...viewSeeds], ext) : [file];
      const headFiles = seedFiles(String(opts.out));
      const predictionFiles = typeof opts.predictions === 'string' ? seedFiles(opts.predictions, '.csv') : [];
      const fitWorkers =
        opts.fitWorkers === undefined
          ? defaultFitWorkers()
          : countFlag(opts.fitWorkers, '--fit-workers', { example: '2' });
      const columns = parseColumns(opts.columns);
      const columnL2 = parseColumnL2(opts.columnL2, opts.model);
      const styleNull = parseStyleNull(opts.styleNull, opts.model);
      const synth = parseSynthetic(opts);
      const bundle = typeof opts.bundle === 'string' ? opts.bundle : undefined;
      if (opts.register === true && bundle === undefined)
        throw new RoadworkError(
          'ERR_CONFIG_INVALID',
          'Invalid --register: no --bundle; give --bundle DIR too',
        );
      // Settings are checked before hours of embedding, not after.
      const settings = bundle === undefined ? undefined : emb.settings;
      const baseFlags = {
        ...(typeof opts.base === 'string' ? { base: opts.base } : {}),
        ...(typeof opts.baseStage === 'string' ? { stage: opts.baseStage } : {}),
        orAlone: opts.baseOrAlone === true,
        heads: headFiles.length,
        ...(opts.baseHeads === undefined ? {} : { range: parseBaseHeads(opts.baseHeads) }),
      };
      if (baseFlags.base !== undefined && bundle === undefined)
        throw new RoadworkError('ERR_CONFIG_INVALID', 'Invalid --base: no --bundle; give --bundle DIR too');
      const evalTta = emb.tta && opts.evalTta !== false;
      const base = await planBase(
        baseFlags,
        { embedders: emb.embedders, tta: evalTta, ...(emb.preprocess ? { preprocess: emb.preprocess } : {}) },
        emb.settings,
        (line) => void stderr.write(`${line}\n`),
      );
      const trainViews = numberListFlag(opts.trainViews, '--train-views', {
        ...VIEW_COUNTS,
        example: '0,1,1,3',
      });
      const styleViews = parseStyleKinds(String(opts.styleViews ?? ''));
      const pasteViews = numberFlag(opts.pasteViews, '--paste-views', {
        min: 0,
        integer: true,
        example: '4',
      });
      const pasteDecoys = numberFlag(opts.pasteDecoys, '--paste-decoys', {
        min: 0,
        integer: true,
        example: '4',
      });
      const mil = parseMil(opts.model, opts.mil);
      const convFlag = parseConvFlag(opts.model, opts.conv);
      if ((opts.model === 'conv' || opts.model === 'mil') && columns !== undefined)
        throw new RoadworkError(
          'ERR_CONFIG_INVALID',
          `Invalid --columns with --model ${opts.model}: ${String(opts.columns)}; a ${opts.model} head reads the whole embedding`,
        );
      const l2 = numberListFlag(opts.l2, '--l2', { min: 0, example: '0.003,0.01,0.03,0.1' });
      const hidden = countFlag(opts.hidden, '--hidden', { example: '32' });
      const maxIter = countFlag(opts.maxIter, '--max-iter', { example: '300' });
      for (const file of headFiles) await checkWritableFile(file, '--out');
      if (typeof opts.report === 'string') await checkWritableFile(opts.report, '--report');
      for (const file of predictionFiles) await checkWritableFile(file, '--predictions');
      const embedding = { ...emb, synthetic: synth.count, trainViews, styleViews, pasteViews, pasteDecoys };
      // The backbone and its options are checked before a minute goes into embedding.
      const conv = convFlag === undefined ? undefined : await convConfig(convFlag, emb.embedders);
      const embedded = await embeddedRows(embedding);
      if (emb.skips.count > 0) stderr.write(`${emb.skips.summary()}; training on the rest\n`);
      const version = embedded.version;
      const split =
        typeof opts.splitGroup === 'string' ? opts.splitGroup.split(',').filter((g) => g !== '') : [];
      const rows = splitGroups(embedded.rows, split);
      const extraViews = splitGroups(embedded.extra, split);
      const synthetic = embedded.synthetic;
      stderr.write(
        `${rows.length} views of ${new Set(rows.map((r) => r.image)).size} images, embedder ${version}` +
          (synth.count > 0
            ? `; training adds ${synthetic.length} views of ${synth.count} synthetic scenes (weight ${synth.weight})`
            : '') +
          (extraViews.length > 0 ? `; ${extraViews.length} more views train only` : '') +
          pastedText(rows, pasteViews, pasteDecoys) +
          '\n',
      );
      if (mil !== undefined && mil.cells * mil.cellDims > embedded.dims)
        throw new RoadworkError(
          'ERR_CONFIG_INVALID',
          `Invalid --mil: ${String(opts.mil)}; ${mil.cells} cells × ${mil.cellDims} values exceed the embedding's ${embedded.dims} dims (is the embedder's pooling "cells"?)`,
        );
      if (conv !== undefined) checkConvCells(conv, embedded.dims);
      const outputWidth = conv && conv.spec.units + embedded.dims - conv.spec.cells * conv.spec.cellDims;
      checkColumnRanges(opts, columns, columnL2, outputWidth ?? embedded.dims);
      if (styleNull !== undefined) stderr.write(`${styleNullLine(styleNull, styleRoom(rows))}\n`);
      // Checked on --seed's views first: a bad flag fails before more seeds embed.
      const otherViews: ViewSet[] = [];
      for (const seed of viewSeeds) {
        stderr.write(`views of seed ${seed} (--view-seeds):\n`);
        otherViews.push(await viewSet(embedding, seed, split));
      }
      const fits = fitWorkers > 1 ? await openFitPool(fitWorkers) : undefined;
      const result = await trainHead(rows, version, {
        ...(fits ? { fits } : {}),
        model: opts.model as 'logistic' | 'mlp' | 'mil' | 'conv',
        ...(mil === undefined ? {} : { mil }),
        ...(conv === undefined ? {} : { conv }),
        l2,
        hidden,
        folds,
        repeats,
        seed: emb.seed,
        tta: emb.tta && opts.evalTta !== false,
        trainOnFlips: emb.tta,
        ...(columns === undefined ? {} : { columns }),
        ...(columnL2 === undefined ? {} : { columnL2 }),
        ...(styleNull === undefined ? {} : { styleNull }),
        targetAccuracy: emb.targetAccuracy,
        maxIter,
        log: (line) => stderr.write(`${line}\n`),
        splitGroups: split,
        ...(synthetic.length > 0 ? { synthetic: { rows: synthetic, weight: synth.weight } } : {}),
        ...(extraViews.length > 0 ? { extraViews } : {}),
        ...(opts.balanceCameras === true ? { balanceCameras: true } : {}),
        proxy: { rows: embedded.rows, extraViews: embedded.extra },
        ...(otherViews.length > 0 ? { otherViews } : {}),
        selectBy: opts.selectBy === 'family' ? 'family' : 'cv',
        ensemble,
      }).finally(() => fits?.close());
      const heads = result.ensemble?.heads ?? [result.head];
      for (const [k, head] of heads.entries()) await writeHead(headFiles[k]!, head);
      if (typeof opts.report === 'string')
        await writeFileAtomic(
          opts.report,
          `${JSON.stringify({ ...result.report, proxy: result.proxy, repeats: result.repeats, ...ensembleReport(result.ensemble), skipped_images: emb.skips.list() }, null, 2)}\n`,
        );
      const predictions = result.ensemble?.predictions ?? [result.predictions];
      for (const [k, file] of predictionFiles.entries())
        await writeFileAtomic(file, predictionsCsv(predictions[k]!, embedded.images));
      const used = result.report.synthetic;
      stdout.write(
        `\nHeld-out metrics (grouped CV, l2=${result.l2}, threshold 0.5 after the shift):\n${reportTable(result.report)}\n` +
          (used !== undefined && used.images > 0
            ? `Synthetic scenes in training: ${used.images} (${used.views} views, weight ${used.weight}); none scored\n`
            : ''),
      );
      if (result.proxy) {
        const h = result.proxy.headline;
        stdout.write(
          `\nSame-camera proxy (l2=${result.proxy.l2}; whole cameras held out, scored inside one kind of camera):\n${proxyTable(result.proxy)}\n` +
            (h
              ? `headline: ${h.kind} cameras MCC ${h.mcc.value.toFixed(3)} [${h.mcc.lo.toFixed(2)}, ${h.mcc.hi.toFixed(2)}], AUC ${h.auc?.value.toFixed(3) ?? '–'} (${h.n} views, ${h.positives} roadwork)\n`
              : 'headline: none (no camera kind holds both labels)\n'),
        );
      }
      if (result.repeats) {
        const over = drawsText(result.repeats.views ?? result.repeats.seeds.map(() => emb.seed)).trim();
        stdout.write(
          `\n${over[0]!.toUpperCase()}${over.slice(1)} (l2=${result.l2}; the tables above are the first draw, seed ${emb.seed}):\n${repeatsTable(result.repeats)}\n`,
        );
      }
      stdout.write(`\nAccuracy vs coverage of exit thresholds:\n${sweepTable(result.report.sweep)}\n`);
      const e = result.exits;
      stdout.write(
        `\ntemperature ${result.head.temperature.toFixed(3)}, shift ${result.head.shift.toFixed(3)}; ` +
          (e
            ? `exits for accuracy ≥ ${emb.targetAccuracy}: high ${e.high.toFixed(2)}, low ${e.low.toFixed(2)} (coverage ${e.coverage.toFixed(3)})\n`
            : `no exit band reaches accuracy ${emb.targetAccuracy}\n`) +
          `Wrote ${String(opts.out)}\n`,
      );
      if (result.ensemble) stdout.write(ensembleText(result.ensemble, headFiles, emb.targetAccuracy));
      if (bundle === undefined || settings === undefined) return;
      const served = result.ensemble ? result.ensemble.exits : e;
      const bundled = await bundleTrainedModel(
        bundle,
        {
          head: result.head,
          headFile: result.ensemble ? headFiles : String(opts.out),
          ...(result.ensemble ? { metrics: result.ensemble.metrics } : {}),
          data: emb.data,
          skipped: embedded.skipped,
          embedders: emb.embedders,
          tta: evalTta,
          ...(emb.preprocess ? { preprocess: emb.preprocess } : {}),
          ...(served ? { exits: { high: served.high, low: served.low } } : {}),
          ...(base ? { base } : {}),
        },
        { settings, register: opts.register === true },
      );
      const m = bundled.manifest;
      stdout.write(
        `Bundle ${m.id} in ${bundle} (data ${m.data_version}${bundled.ingested ? '' : ', not ingested'}, parent ${m.parent ?? '-'})\n` +
          (bundled.registeredAt ? `Registered ${m.id} at ${bundled.registeredAt}\n` : ''),
      );
    });
  return command;
}

/** ` (N of them roadwork-free photos with a work zone pasted in, M with look-alikes)`, or ''. */
function pastedText(
  rows: readonly { image: number; label: number }[],
  zones: number,
  decoys: number,
): string {
  const free = new Set(rows.filter((r) => r.label === 0).map((r) => r.image)).size;
  const parts = [
    ...(zones > 0 ? [`${zones * free} of them roadwork-free photos with a work zone pasted in`] : []),
    ...(decoys > 0 ? [`${decoys * free} with look-alikes pasted in`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** `--mil cells,dims,pool` for `--model mil` (required there, refused elsewhere). */
function parseMil(model: unknown, raw: unknown): MilSpec | undefined {
  const usage = '--model mil needs --mil CELLS,DIMS,POOL (POOL: max or a positive number, e.g. 49,1280,4)';
  return modelOnlyFlag('--mil', 'mil', model, raw, usage, (parts): MilSpec | undefined => {
    if (parts.length !== 3) return undefined;
    const [cells, cellDims] = parts.slice(0, 2).map(Number) as [number, number];
    if (!Number.isInteger(cells) || cells < 1 || !Number.isInteger(cellDims) || cellDims < 1)
      return undefined;
    if (parts[2] === 'max') return { cells, cellDims, pooling: 'max' };
    const sharpness = Number(parts[2]);
    return sharpness > 0 && Number.isFinite(sharpness)
      ? { cells, cellDims, pooling: 'lse', sharpness }
      : undefined;
  });
}
