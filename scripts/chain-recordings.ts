// Writes test/fixtures/chain/recordings/economics-*.json, the chain answers `roadwork roi`'s tests replay,
// SCALE-encoded against the real V16 metadata (see test/fixtures/chain/economics.ts for how and why).
import { writeFileSync } from 'node:fs';
import { SCENARIOS, economicsRecordingText } from '../test/fixtures/chain/economics.js';

for (const scenario of SCENARIOS) {
  const file = new URL(`../test/fixtures/chain/recordings/${scenario.name}.json`, import.meta.url);
  writeFileSync(file, economicsRecordingText(scenario));
  console.log(`${scenario.name}.json written`);
}
