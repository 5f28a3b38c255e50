// `roadwork roi` end to end: replayed dynamic-TAO chain answers (healthy and burning), offline plans,
// and the TAO price from a feed served on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../../core/errors/index.js';
import type { RoiReport } from '../../lifecycle/economics/index.js';
import { ReplayProvider } from '../../wire/chain/_test-replay-provider.js';
import { hotkeyOf } from '../../../test/fixtures/chain/economics.js';
import { roiCommand, type RoiCommandDeps } from './roi.js';

let dir: string;
let feed: Server;
let feedUrl: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roadwork-roi-'));
  feed = createServer((_req, res) => res.end(JSON.stringify({ bittensor: { usd: 200 } })));
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/simple/price?ids=bittensor&vs_currencies=usd`;
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
  feed.closeAllConnections();
  await new Promise((resolve) => feed.close(resolve));
});

async function run(args: string[], deps: Omit<RoiCommandDeps, 'stdout'> = {}): Promise<string> {
  let text = '';
  const command = roiCommand({}, { ...deps, stdout: { write: (s: string) => (text += s) } });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return text;
}

const replay = (name: string) => ({ providerFactory: () => new ReplayProvider(name) });
const COSTS = ['--roi.gpu_usd_per_hour', '0.8', '--roi.other_usd_per_month', '45'];

test("roi prices mechanism 0's part of the miners' alpha on a subnet that splits it between mechanisms", async () => {
  const args = ['--ss58', hotkeyOf(6), '--json', '--roi.tao_usd', '200', ...COSTS];
  const whole = JSON.parse(await run(args, replay('economics-healthy'))) as RoiReport;
  const split = JSON.parse(await run(args, replay('economics-mechanisms'))) as RoiReport;
  const share = 16_384 / 65_535;
  assert.equal(split.subnet.chain?.mechanismShare, share);
  assert.ok(Math.abs(split.subnet.minerAlphaPerBlock - 0.41 * share) < 1e-12);
  const [a, b] = [whole.rows[0]!, split.rows[0]!];
  assert.equal(a.share, b.share, 'the same incentive');
  assert.ok(Math.abs((b.perDay.alpha ?? 0) - (a.perDay.alpha ?? 0) * share) < 1e-9);
  assert.match(
    split.notes.join(' '),
    /splits its miners' alpha over 2 incentive mechanisms \(by MechanismEmissionSplit\); the figures price mechanism 0's 25\.0 %/,
  );
  assert.doesNotMatch(whole.notes.join(' '), /mechanisms/);
});

test('roi --json prices the hotkey and the scenarios from the chain, with the TAO price from the feed', async () => {
  const args = ['--ss58', hotkeyOf(6), '--json', '--roi.price_feed_url', feedUrl, ...COSTS];
  const report = JSON.parse(await run(args, replay('economics-healthy'))) as RoiReport;
  assert.equal(report.verdict.state, 'paying');
  assert.equal(report.costs.taoUsd, 200);
  assert.equal(report.costs.taoUsdSource, feedUrl);
  assert.equal(report.subnet.minerAlphaPerBlock, 0.41);
  assert.equal(report.subnet.chain?.burnTao, 0.5);
  assert.deepEqual(
    report.rows.map((r) => r.name),
    ['your hotkey', 'top 1', 'top 10 %', 'median', 'bottom quartile'],
  );
  const mine = report.rows[0];
  assert.ok(mine && mine.uid === 6 && mine.share > 0);
  // α/day = 0.41 α × 7200 blocks × share; TAO at 0.03 per α; USD at 200 per TAO.
  const usd = 0.41 * 7200 * mine.share * 0.03 * 200;
  assert.ok(Math.abs((mine.perDay.usd ?? 0) - usd) < 1e-6);
  assert.ok(Math.abs((mine.profitUsdPerDay ?? 0) - (usd - 0.8 * 24 - 1.5)) < 1e-6);
  assert.equal(report.distribution.length, 28, 'the owner and the three validators are not miners');
});

test('roi on a burning subnet says in words that mining earns nothing, and every row earns 0', async () => {
  const html = join(dir, 'burning.html');
  const text = await run(
    ['--ss58', hotkeyOf(6), '--roi.tao_usd', '300', '--html', html, ...COSTS],
    replay('economics-burning'),
  );
  assert.match(text, /halted or burning: 100\.0 % of the miner incentive is on the subnet owner's UID/);
  assert.match(text, /Mining earns nothing/);
  for (const row of ['your hotkey', 'top 1', 'median']) {
    assert.match(text, new RegExp(`^${row}\\s.*\\$0\\.00\\s.*none$`, 'm'));
  }
  const page = await readFile(html, 'utf8');
  assert.match(page, /class="verdict burning"/);
  assert.match(page, /class="break-even"/);
});

test('roi --offline plans from flags alone and names every missing chain figure', async () => {
  await assert.rejects(run(['--offline', '--alpha-price', '0.01']), (err: unknown) => {
    return (
      isRoadworkError(err, 'ERR_CONFIG_INVALID') &&
      /--miner-alpha-per-block, --block-seconds, --shares/.test(err.message)
    );
  });
  const args = [
    '--offline',
    '--miner-alpha-per-block',
    '0.5',
    '--alpha-price',
    '0.01',
    '--block-seconds',
    '12',
  ];
  const report = JSON.parse(
    await run([...args, '--shares', '0.5,0.3,0.2', '--share', '0.1', '--roi.tao_usd', '100', '--json']),
  ) as RoiReport;
  assert.equal(report.subnet.source, 'offline');
  assert.equal(report.subnet.chain, undefined);
  assert.equal(report.rows[0]?.name, 'rank 4');
  // 0.5 α × 7200 × 10 % × 0.01 TAO × $100 = $360 a day.
  assert.ok(Math.abs((report.rows[0]?.perDay.usd ?? 0) - 360) < 1e-9);
  assert.match(report.notes.join(' '), /Offline plan/);
  // A plan of a burning subnet: the shares stay in the rows, every row earns 0.
  const burning = JSON.parse(
    await run([...args, '--shares', '0.05', '--owner-share', '0.95', '--share', '0.03', '--json']),
  ) as RoiReport;
  assert.equal(burning.verdict.state, 'burning');
  assert.deepEqual(
    burning.rows.map((r) => [r.name, r.share, r.perDay.alpha]),
    [
      ['rank 2', 0.03, 0],
      ['top 1', 0.05, 0],
      ['top 10 %', 0.05, 0],
      ['median', 0.05, 0],
      ['bottom quartile', 0.05, 0],
    ],
  );
  assert.match(burning.notes.join(' '), /Every row earns 0/);
  // Shares are fractions of one incentive.
  for (const [bad, why] of [
    [['--shares', '0.1', '--share', '2'], /--share is not a number from 0 to 1: "2"/],
    [['--shares', '0.1', '--owner-share', '1.5'], /--owner-share is not a number from 0 to 1/],
    [['--shares', '0.6,0.5'], /add up to 1\.1000, more than the whole incentive/],
    [['--shares', '0.5', '--owner-share', '0.6'], /add up to 1\.1000/],
    [['--shares', '1.2'], /--shares has a value that is not a number from 0 to 1: "1.2"/],
    [['--shares', '0.3,,0.2'], /--shares has a value that is not a number from 0 to 1: ""/],
    [
      ['--shares', '0.5', '--rank', '0'],
      /--rank is not a whole number of at least 1: "0". Give e.g. --rank 10/,
    ],
    [['--shares', '0.5', '--rank', '1.5'], /--rank is not a whole number/],
  ] as const)
    await assert.rejects(
      run([...args, ...bad]),
      (err: unknown) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && why.test(err.message),
      bad.join(' '),
    );
});
