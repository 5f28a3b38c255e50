import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, matchKeywords, normalizeText, ROADWORK_KEYWORDS } from './index.js';

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
  assert.equal(match?.line, 'ROAD CL0SED');
});

test('ROADWORK_KEYWORDS covers several languages and every entry normalises to letters', () => {
  const languages = new Set(ROADWORK_KEYWORDS.map((k) => k.language));
  for (const lang of ['en', 'de', 'fr', 'es']) assert.ok(languages.has(lang), lang);
  for (const k of ROADWORK_KEYWORDS) assert.match(normalizeText(k.text), /^[A-Z ]+$/);
});
