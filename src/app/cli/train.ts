/** `roadwork train`: embed a labelled folder (cached), cross-validate by group, calibrate, write a head. */
import { Command, Option } from 'commander';
import { RoadworkError } from '../../core/errors/index.js';
import { checkWritableFile, writeFileAtomic } from '../../core/files/index.js';
import {
  defaultFitWorkers,
  embeddedRows,
  openFitPool,
  predictionsCsv,
  parseStyleKinds,
  splitGroups,
  styleRoom,
  trainHead,
  writeHead,
  type SelectBy,
  type ViewSet,
} from '../../lifecycle/train/index.js';
import { VIEW_COUNTS, addEmbeddingFlags, embeddingOptions } from './_embedding-flags.js';
import { countFlag, numberFlag, numberListFlag } from './_number-flag.js';
import { bundleTrainedModel, parseBaseHeads, planBase } from './_train-bundle.js';
import {
  drawFile,
  ensembleFiles,
  ensembleReport,
  ensembleText,
  parseViewSeeds,
  viewSet,
} from './_train-views.js';
import { CONV_DEFAULTS, convConfig } from './_conv-flag.js';
import { L2_DEFAULT, TREES_DEFAULT, checkHeadFit, headFlags, styleNullLine } from './_train-head-flags.js';
import { TRAIN_HELP } from './_train-help.js';
import { pastedText, trainSummary } from './_train-text.js';

/** Where the command writes; tests pass their own. */
export interface TrainIo {
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** The environment settings are read from (`data_dir` for `--bundle`); default none. */
  readonly env?: Record<string, string | undefined>;
}

/** `--synthetic` and `--synthetic-weight`. */
function parseSynthetic(opts: Record<string, unknown>): { count: number; weight: number } {
  return {
    count: numberFlag(opts.synthetic, '--synthetic', { min: 0, integer: true, example: '200' }),
    weight: numberFlag(opts.syntheticWeight, '--synthetic-weight', { above: 0, example: '0.5' }),
  };
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
        .choices(['logistic', 'mlp', 'mil', 'conv', 'trees'])
        .default('logistic'),
    )
    .option(
      '--l2 <list>',
      `L2 strengths to try; the best grouped-CV MCC wins (default ${L2_DEFAULT.dense}; with --model trees, the leaves' L2, ${L2_DEFAULT.trees})`,
    )
    .option('--hidden <n>', 'MLP hidden units', '32')
    .option(
      '--restarts <n>',
      'mlp heads: fit from n random starts and keep the best (lowest early-stopping loss, or lowest training loss with --no-early-stop)',
      '1',
    )
    .addOption(
      new Option(
        '--no-early-stop',
        'mlp heads: fit on every row until the optimiser converges (or --max-iter), instead of stopping on a held-out 15 % of the groups',
      ),
    )
    .option(
      '--mil <cells,dims,pool>',
      'mil heads: cells per embedding (H·W of a tfjs `pooling: cells` embedder), values per cell, and the pooling: max, or a number r for log-sum-exp of sharpness r (e.g. 49,1280,4)',
    )
    .option(
      '--conv <cells,layer[,epochs[,lr]]>',
      `conv heads: cells per embedding, the backbone's 1×1 convolution to start from and fine-tune (it must read the embedded layer), passes of Adam (default ${CONV_DEFAULTS.epochs}) and its step (default ${CONV_DEFAULTS.lr}), e.g. 49,Conv_1,3,1e-4`,
    )
    .option(
      '--trees <count,depth[,rate]>',
      `trees heads: how many boosted trees, their depth and the learning rate (default ${TREES_DEFAULT}); --l2 is the leaves' L2`,
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
      'use only feature columns [start, end) of the embedding (logistic and mlp heads; the head file serves on the whole embedding and reads those columns: format version 4)',
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
        "which held-out MCC chooses the L2: cv (grouped CV, as --split-group says), family (the same-camera proxy's headline) or balanced (its families-balanced row)",
      )
        .choices(['cv', 'family', 'balanced'])
        .default('cv'),
    )
    .option('--report <file>', 'also write the full report as JSON')
    .option(
      '--predictions <file>',
      "also write every scored view's out-of-fold probability as CSV (grouped CV, then the proxy; with --ensemble, FILE-SEED.csv beside it for each other seed's head; with --repeats N, FILE.drawK.csv for the Kth draw of the folds)",
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
    .addHelpText('after', TRAIN_HELP)
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
      const { conv: convFlag, ...head } = headFlags(opts);
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
      checkHeadFit(opts, head, embedded.dims, conv);
      if (head.styleNull !== undefined) stderr.write(`${styleNullLine(head.styleNull, styleRoom(rows))}\n`);
      // Checked on --seed's views first: a bad flag fails before more seeds embed.
      const otherViews: ViewSet[] = [];
      for (const seed of viewSeeds) {
        stderr.write(`views of seed ${seed} (--view-seeds):\n`);
        otherViews.push(await viewSet(embedding, seed, split));
      }
      const fits = fitWorkers > 1 ? await openFitPool(fitWorkers) : undefined;
      const result = await trainHead(rows, version, {
        ...(fits ? { fits } : {}),
        ...head,
        ...(conv === undefined ? {} : { conv }),
        folds,
        repeats,
        seed: emb.seed,
        tta: evalTta,
        trainOnFlips: emb.tta,
        targetAccuracy: emb.targetAccuracy,
        log: (line) => stderr.write(`${line}\n`),
        splitGroups: split,
        ...(synthetic.length > 0 ? { synthetic: { rows: synthetic, weight: synth.weight } } : {}),
        ...(extraViews.length > 0 ? { extraViews } : {}),
        ...(opts.balanceCameras === true ? { balanceCameras: true } : {}),
        proxy: { rows: embedded.rows, extraViews: embedded.extra },
        ...(otherViews.length > 0 ? { otherViews } : {}),
        selectBy: opts.selectBy as SelectBy,
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
        for (const [j, draw] of predictions[k]!.entries())
          await writeFileAtomic(
            j === 0 ? file : drawFile(file, j + 1),
            predictionsCsv(draw, embedded.images),
          );
      stdout.write(
        trainSummary(result, { seed: emb.seed, targetAccuracy: emb.targetAccuracy, out: String(opts.out) }),
      );
      if (result.ensemble) stdout.write(ensembleText(result.ensemble, headFiles, emb.targetAccuracy));
      if (bundle === undefined || settings === undefined) return;
      const served = result.ensemble ? result.ensemble.exits : result.exits;
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
