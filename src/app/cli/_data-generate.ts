// `roadwork data generate`: labelled images from an SDXL server (AUTOMATIC1111 API) in the validators' style.
import { Command } from 'commander';
import { createSdxlClient, generateImages } from '../../data/sdxl/index.js';
import { DEFAULT_PROTOCOL, parseProtocol } from '../../wire/protocol/index.js';
import { openImageFolder } from '../../data/sources/index.js';
import { countFlag, numberFlag } from './_number-flag.js';

/** Builds `data generate`. */
export function generateCommand(): Command {
  return new Command('generate')
    .description('generate labelled pos/neg images on an SDXL server (txt2img, and img2img from --from)')
    .requiredOption(
      '--server <url>',
      'SDXL server speaking the AUTOMATIC1111 API, e.g. http://127.0.0.1:7860',
    )
    .requiredOption('--n <count>', 'images to generate (half roadwork)')
    .requiredOption('--out <dir>', 'folder to write pos/, neg/ and manifest.csv')
    .option(
      '--from <dir>',
      'real images (pos/ neg/ or manifest.csv) to redraw image-to-image at strength 0.7',
    )
    .option('--seed <seed>', 'seed of prompts and server seeds', 'sdxl')
    .option('--size <px>', 'width and height', '1024')
    .option('--concurrency <n>', 'requests in flight', '1')
    .option('--timeout <s>', 'per request', '120')
    .option('--retries <n>', 'retries after a server error or timeout', '2')
    .option(
      '--protocol <version>',
      'prompt style: 0.4 (one small element per positive, negatives as normal road scenes) or 2.0.4 (conspicuous work zones)',
      DEFAULT_PROTOCOL,
    )
    .addHelpText(
      'after',
      '\nThen: roadwork data add <out> --name generated, or roadwork eval --synthetic-data <out>',
    )
    .action(async (opts: Record<string, unknown>) => {
      const concurrency = countFlag(opts.concurrency, '--concurrency', { example: '2' });
      const size = countFlag(opts.size, '--size', { example: '1024' });
      const client = createSdxlClient({
        url: String(opts.server),
        timeoutMs: countFlag(opts.timeout, '--timeout', { example: '120' }) * 1000,
        retries: numberFlag(opts.retries, '--retries', { min: 0, integer: true, example: '2' }),
        concurrency,
      });
      const result = await generateImages(client, String(opts.out), {
        n: countFlag(opts.n, '--n', { example: '200' }),
        seed: String(opts.seed),
        protocol: parseProtocol(String(opts.protocol)),
        width: size,
        height: size,
        concurrency,
        ...(typeof opts.from === 'string' ? { images: await openImageFolder(opts.from) } : {}),
        onImage: (done, total) => process.stderr.write(`  generated ${done}/${total}\n`),
      });
      process.stdout.write(
        `Wrote ${result.files} images (${result.positives} roadwork) to ${String(opts.out)}\n`,
      );
    });
}
