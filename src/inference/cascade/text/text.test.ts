import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  editDistance,
  infixDistance,
  matchKeywords,
  normalizeText,
  ROADWORK_KEYWORDS,
  signBlocks,
} from './index.js';

const found = (lines: string[]): string[] => matchKeywords(lines).map((m) => m.keyword);

test('normalizeText() folds case, accents, punctuation and OCR digit confusions', () => {
  assert.equal(normalizeText('  Déviation — route barrée! '), 'DEVIATION ROUTE BARREE');
  assert.equal(normalizeText('R0AD W0RK'), 'ROAD WORK');
  assert.equal(normalizeText('1ANE C1O5ED'), 'IANE CIOSED');
  assert.equal(normalizeText('Straße'), 'STRASSE');
});

test('editDistance() counts insertions, deletions and substitutions', () => {
  assert.equal(editDistance('KITTEN', 'SITTING'), 3);
  assert.equal(editDistance('', 'ABC'), 3);
  assert.equal(editDistance('DETOUR', 'DETOUR'), 0);
  assert.equal(editDistance('DETOUR', 'DETOR'), 1);
});

test('matchKeywords() finds English phrases with OCR noise, split and merged words', () => {
  assert.ok(found(['R0AD W0RK AHEAD']).includes('ROAD WORK'));
  assert.ok(found(['ROADWORK AHEAD']).includes('ROAD WORK'));
  assert.ok(found(['ROA D WORK']).includes('ROAD WORK'));
  assert.ok(found(['LANE CL0SED']).includes('LANE CLOSED'));
  assert.ok(found(['DETOLR']).includes('DETOUR'));
  assert.ok(found(['FLAGGER', 'AHEAD']).includes('FLAGGER'));
});

test('matchKeywords() finds keywords in other languages, accents or not', () => {
  assert.deepEqual(
    matchKeywords(['Baustelle']).map((m) => [m.keyword, m.language]),
    [['BAUSTELLE', 'de']],
  );
  assert.ok(found(['TRAVAUX']).includes('TRAVAUX'));
  assert.ok(found(['DEVIATION']).includes('DÉVIATION'));
  assert.ok(found(['obras']).includes('OBRAS'));
  assert.ok(found(['desvio']).includes('DESVÍO'));
});

test('matchKeywords() ignores ordinary street text and edits beyond the bound', () => {
  assert.deepEqual(found(['SPEED LIMIT 50', 'MAIN ST', 'PIZZA', 'STOP', 'ONE WAY']), []);
  assert.deepEqual(found(['DXTXUR']), []);
  assert.deepEqual(found([]), []);
});

test('matchKeywords() takes a custom keyword list and a stricter bound', () => {
  assert.deepEqual(
    matchKeywords(['Slow down'], ['SLOW']).map((m) => m.keyword),
    ['SLOW'],
  );
  assert.deepEqual(matchKeywords(['DETOR'], ['DETOUR'], { maxErrorRate: 0 }), []);
  const [match] = matchKeywords([{ text: 'ROAD CL0SED' }], ['ROAD CLOSED']);
  assert.equal(match?.distance, 0);
  assert.equal(match?.sign, 'ROAD CL0SED');
});

test('ROADWORK_KEYWORDS covers several languages and every entry normalises to letters', () => {
  const languages = new Set(ROADWORK_KEYWORDS.map((k) => k.language));
  for (const lang of ['en', 'de', 'fr', 'es']) assert.ok(languages.has(lang), lang);
  for (const k of ROADWORK_KEYWORDS) assert.match(normalizeText(k.text), /^[A-Z ]+$/);
});

test('signBlocks() reads the stacked lines of one sign together, in reading order', () => {
  const lines = [
    { text: 'CLOSED', box: [100, 140, 200, 170] as const },
    { text: 'ROAD', box: [115, 100, 185, 130] as const },
    // The same letter height, far off in another corner: a shop sign, not this one.
    { text: 'PIZZA', box: [500, 400, 580, 430] as const },
    // Two boxes on one row of a third sign, read left to right.
    { text: 'ZONE', box: [380, 20, 440, 50] as const },
    { text: 'WORK', box: [300, 22, 365, 52] as const },
    'no box',
  ];
  assert.deepEqual(signBlocks(lines), ['ROAD CLOSED', 'PIZZA', 'WORK ZONE', 'no box']);
});

test('signBlocks() keeps apart lines of very different height, far apart, or merely nearby', () => {
  const big = { text: 'ROAD', box: [100, 100, 200, 140] as const };
  // Fine print a fifth of the height right under it.
  assert.equal(signBlocks([big, { text: 'CLOSED', box: [100, 142, 160, 150] }]).length, 2);
  // Same height, same column, two letter heights below.
  assert.equal(signBlocks([big, { text: 'CLOSED', box: [100, 220, 200, 260] }]).length, 2);
  // Same row, two letter heights to the right.
  assert.equal(signBlocks([big, { text: 'CLOSED', box: [280, 100, 380, 140] }]).length, 2);
  // An empty box is a sign of its own.
  assert.equal(signBlocks([big, { text: 'CLOSED', box: [100, 140, 100, 180] }]).length, 2);
});

test('matchKeywords() finds a keyword split over the lines of one sign, once per sign', () => {
  const stacked = [
    { text: 'ROAD', box: [115, 100, 185, 130] as const },
    { text: 'CLOSED', box: [100, 140, 200, 170] as const },
  ];
  const matches = matchKeywords(stacked);
  assert.ok(matches.some((m) => m.keyword === 'ROAD CLOSED' && m.distance === 0));
  assert.deepEqual(new Set(matches.map((m) => m.sign)), new Set(['ROAD CLOSED']));
  // The same words on two signs far apart are no keyword.
  const apart = [stacked[0]!, { text: 'CLOSED', box: [400, 300, 500, 330] as const }];
  assert.deepEqual(found(apart.map((l) => l.text)), []);
  assert.deepEqual(matchKeywords(apart), []);
  // UK wording from the training photos, each on its own lines.
  assert.ok(found(['Diversion']).includes('DIVERSION'));
  assert.ok(found(['DELAYSPOSSIBLE']).includes('DELAYS POSSIBLE'));
  assert.ok(found(['THISROADWILLBE CLOSED']).includes('WILL BE CLOSED'));
});

test('matchKeywords() finds long keywords inside merged words, short ones only as words', () => {
  assert.ok(found(['SWINDONDIVERSIONAHEAD']).includes('DIVERSION'));
  assert.ok(found(['ENDROADWORKAHEAD']).includes('ROAD WORK'));
  assert.deepEqual(found(['DETOURISTS']), []);
  assert.ok(found(['DETOUR AHEAD']).includes('DETOUR'));
  assert.equal(infixDistance('XXROADCL0SEDXX', 'ROADCLOSED'), 1);
  assert.equal(infixDistance('ABC', ''), 0);
  assert.equal(infixDistance('', 'ABC'), 3);
  assert.deepEqual(matchKeywords(['SWINDONDIVERSIONAHEAD'], ['DIVERSION'], { infixFrom: 20 }), []);
});
