// The ROI arithmetic on plain numbers: no chain, no network, runs anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import type { SubnetEconomics } from '../../wire/chain/index.js';
import { estimateRoi, formatRoi, fromChain, offlineInputs, quantileShare, verdictOf } from './index.js';
import type { Costs, SubnetInputs } from './index.js';

const COSTS: Costs = { gpuUsdPerHour: 0.5, otherUsdPerMonth: 60, taoUsd: 250, taoUsdSource: 'roi.tao_usd' };

function subnet(overrides: Partial<SubnetInputs> = {}): SubnetInputs {
  return {
    source: 'offline',
    netuid: 72,
    block: null,
    blockSeconds: 12,
    minerAlphaPerBlock: 0.5,
    alphaPriceTao: 0.02,
    burnTao: 0.3,
    ownerShare: 0,
    miners: [0.4, 0.3, 0.2, 0.1].map((share, uid) => ({ uid, share })),
    notes: [],
    ...overrides,
  };
}

test('quantileShare() takes the nearest rank and reports the rank among miners, highest first', () => {
  const shares = [0.4, 0.3, 0.2, 0.1];
  assert.deepEqual(quantileShare(shares, 1), { share: 0.4, rank: 1 });
  assert.deepEqual(quantileShare(shares, 0.5), { share: 0.2, rank: 3 });
  assert.deepEqual(quantileShare(shares, 0.25), { share: 0.1, rank: 4 });
  assert.deepEqual(quantileShare([], 0.5), { share: 0, rank: null });
});

test('estimateRoi() prices a share: alpha per block × blocks per day × share, then the price and TAO in USD', () => {
  const report = estimateRoi(subnet(), COSTS);
  const top = report.rows.find((r) => r.name === 'top 1');
  assert.ok(top);
  // 7200 blocks of 12 s a day; 0.5 α per block to miners; 40 % of it.
  assert.equal(report.blocksPerDay, 7200);
  assert.ok(Math.abs(top.perDay.alpha - 1440) < 1e-9);
  assert.ok(Math.abs(top.perDay.tao - 28.8) < 1e-9);
  assert.ok(Math.abs((top.perDay.usd ?? 0) - 7200) < 1e-6);
  assert.ok(Math.abs((top.per30Days.usd ?? 0) - 216_000) < 1e-6);
  // Costs: 0.5 $/h × 24 + 60 $/30 days = 14 $/day.
  assert.ok(Math.abs(report.costs.usdPerDay - 14) < 1e-9);
  assert.ok(Math.abs((top.profitUsdPerDay ?? 0) - 7186) < 1e-6);
  assert.deepEqual(
    report.rows.map((r) => [r.name, r.rank, r.share]),
    [
      ['top 1', 1, 0.4],
      ['top 10 %', 1, 0.4],
      ['median', 3, 0.2],
      ['bottom quartile', 4, 0.1],
    ],
  );
});

test('a rank position names its UID; on a burning subnet every row keeps its share and earns 0', () => {
  const ranked = estimateRoi(subnet({ position: { kind: 'rank', rank: 2, share: 0.3 } }), COSTS);
  assert.deepEqual([ranked.rows[0]?.name, ranked.rows[0]?.uid], ['rank 2', 1]);
  assert.ok((ranked.rows[0]?.perDay.alpha ?? 0) > 0);
  for (const ownerShare of [0.95, Number.NaN]) {
    const report = estimateRoi(
      subnet({ ownerShare, position: { kind: 'rank', rank: 2, share: 0.3 } }),
      COSTS,
    );
    assert.notEqual(report.verdict.state, 'paying');
    assert.deepEqual(
      report.rows.map((r) => [r.share, r.perDay.alpha, r.perDay.usd, r.profitUsdPerDay]),
      [0.3, 0.4, 0.4, 0.2, 0.1].map((share) => [share, 0, 0, -14]),
    );
    assert.match(report.notes.join(' '), /Every row earns 0/);
  }
});

test('at the break-even GPU price a row earns exactly its costs', () => {
  const first = estimateRoi(subnet(), COSTS).rows.find((r) => r.name === 'median');
  const even = first?.breakEvenGpuUsdPerHour;
  assert.ok(even !== null && even !== undefined && even > 0);
  const again = estimateRoi(subnet(), { ...COSTS, gpuUsdPerHour: even }).rows.find(
    (r) => r.name === 'median',
  );
  assert.ok(Math.abs(again?.profitUsdPerDay ?? 1) < 1e-9);
});

test('without a TAO price the USD figures, the profit and the break-even are unknown, not zero', () => {
  const report = estimateRoi(subnet(), { ...COSTS, taoUsd: null, taoUsdSource: 'not given' });
  for (const r of report.rows) {
    assert.equal(r.perDay.usd, null);
    assert.equal(r.profitUsdPerDay, null);
    assert.equal(r.breakEvenGpuUsdPerHour, null);
    assert.ok(r.perDay.alpha > 0);
  }
  assert.match(formatRoi(report), /TAO price: unknown/);
});

test('a burning subnet earns nothing in every row and says so in words', () => {
  const burning = subnet({ ownerShare: 1, miners: [0, 0, 0].map((share, uid) => ({ uid, share })) });
  const report = estimateRoi(burning, COSTS);
  assert.equal(report.verdict.state, 'burning');
  assert.match(report.verdict.text, /halted or burning: 100\.0 %.*earns nothing/);
  for (const r of report.rows) {
    assert.equal(r.perDay.usd, 0);
    assert.equal(r.profitUsdPerDay, -14);
  }
  assert.match(formatRoi(report), /break-even GPU \$\/h[\s\S]*none/);
  assert.equal(verdictOf(Number.NaN).state, 'no-incentive');
  assert.equal(verdictOf(0.05).state, 'paying');
});

test('offlineInputs() refuses shares adding up to more than 1 and a rank no miner holds', () => {
  const values = {
    netuid: 72,
    blockSeconds: 12,
    minerAlphaPerBlock: 0.5,
    alphaPriceTao: 0.02,
    ownerShare: 0,
  };
  assert.throws(
    () => offlineInputs({ ...values, shares: [0.7, 0.5] }),
    (err: unknown) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /1\.2/.test(err.message),
  );
  assert.throws(
    () => offlineInputs({ ...values, shares: [0.5, 0.5], rank: 3 }),
    (err: unknown) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /from 1 to 2/.test(err.message),
  );
  const planned = offlineInputs({ ...values, shares: [0.5, 0.3, 0.2], share: 0.25 });
  assert.deepEqual(planned.position, { kind: 'rank', rank: 3, share: 0.25 });
  assert.equal(planned.burnTao, null);
});

const OWNER = {
  coldkey: '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM',
  hotkey: '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL',
};
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
const DAVE = '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy';

function economics(): SubnetEconomics {
  const row = (uid: number, hotkey: string, coldkey: string, incentive: number, extra = {}) => ({
    uid,
    hotkey,
    coldkey,
    incentive,
    dividends: 0,
    validatorPermit: false,
    ...extra,
  });
  return {
    netuid: 72,
    block: 100,
    blockSeconds: 12,
    tempo: 360,
    alphaOutPerBlock: 1,
    ownerCut: 0.18,
    pendingServerAlpha: 4.1,
    blocksSinceLastStep: 10,
    minerAlphaPerBlock: 0.41,
    poolTao: 10,
    poolAlpha: 1000,
    alphaPriceTao: 0.01,
    burnTao: 0.7,
    ownerIncentiveFate: 'burn',
    mechanisms: 1,
    mechanismSplit: null,
    mechanismShare: 1,
    owner: OWNER,
    neurons: [
      row(0, OWNER.hotkey, OWNER.coldkey, 0.1),
      // A second hotkey of the owner's coldkey: also the owner's, also burned.
      row(1, ALICE, OWNER.coldkey, 0.1),
      row(2, BOB, BOB, 0, { validatorPermit: true, dividends: 1 }),
      row(3, CHARLIE, CHARLIE, 0.6),
      row(4, DAVE, DAVE, 0.2),
    ],
  };
}

test("fromChain() leaves the owner's UIDs (by hotkey and by coldkey) and active validators out of the miners", () => {
  const inputs = fromChain(economics(), { hotkey: DAVE });
  assert.deepEqual(
    inputs.miners.map((m) => [m.uid, m.share]),
    [
      [3, 0.6],
      [4, 0.2],
    ],
  );
  assert.ok(Math.abs(inputs.ownerShare - 0.2) < 1e-12);
  assert.deepEqual(inputs.position, { kind: 'hotkey', hotkey: DAVE, uid: 4, share: 0.2, rank: 2 });
  assert.equal(inputs.minerAlphaPerBlock, 0.41);
  assert.equal(inputs.chain?.pendingServerAlpha, 4.1);
  const owners = fromChain(economics(), { hotkey: ALICE });
  assert.equal(owners.position?.kind === 'hotkey' && owners.position.share, 0);
  assert.match(owners.notes.join(' '), /owner's UIDs \(1\).*burned/);
});

test('an unregistered hotkey earns nothing, and the report says what registering costs', () => {
  const stranger = '5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw';
  const report = estimateRoi(fromChain(economics(), { hotkey: stranger }), COSTS);
  assert.equal(report.rows[0]?.name, 'top 1', 'no row for an unregistered hotkey');
  assert.match(report.notes.join(' '), new RegExp(`${stranger} is not registered.*0\\.7 TAO`));
});
