// The shipped starter model: its cascade config loads, and the cascade's answer is the head's TTA answer.
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCascadeConfig } from '../cascade/index.js';
import { loadHead } from '../heads/index.js';
import { assertServesHeadWithFlipTta, testScene } from './_test-tta-check.js';

const STARTER = fileURLToPath(new URL('../../models/starter/', import.meta.url));

test(
  'the starter cascade serves the starter head with hflip TTA on the tfjs MobileNetV2',
  { timeout: 120_000 },
  async () => {
    const head = await loadHead(`${STARTER}head.json`);
    const config = await loadCascadeConfig(`${STARTER}cascade.yaml`);
    await assertServesHeadWithFlipTta(config, head, testScene('starter'));
  },
);
