// onnxruntime's usage reporting stays off: the variable is set before the first session, and the
// files its reporting leaves behind never appear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { optOutOfOnnxTelemetry } from './_telemetry.js';

const CHILD = fileURLToPath(new URL('./_test-telemetry-child.ts', import.meta.url));

test("optOutOfOnnxTelemetry sets ORT_DISABLE_TELEMETRY=1 and keeps an operator's own value", () => {
  const env: NodeJS.ProcessEnv = {};
  optOutOfOnnxTelemetry(env);
  assert.equal(env.ORT_DISABLE_TELEMETRY, '1');
  const kept: NodeJS.ProcessEnv = { ORT_DISABLE_TELEMETRY: '0' };
  optOutOfOnnxTelemetry(kept);
  assert.equal(kept.ORT_DISABLE_TELEMETRY, '0');
});

test(
  'an onnx worker pool starts onnxruntime with its reporting off: no /tmp/mat-debug-<pid>.log',
  {
    timeout: 60_000,
    skip: process.platform === 'linux' ? false : 'onnxruntime writes that file on Linux only',
  },
  () => {
    // Without the variable, onnxruntime 1.30 writes /tmp/mat-debug-<pid>.log at its first session
    // (checked by hand; a test must not switch the reporting on to prove it).
    const { ORT_DISABLE_TELEMETRY: _dropped, ...env } = process.env;
    const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD], {
      env,
      encoding: 'utf8',
      timeout: 50_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const pid = Number(r.stdout.trim().split('\n').at(-1));
    assert.ok(pid > 0, r.stdout);
    assert.equal(existsSync(`/tmp/mat-debug-${pid}.log`), false);
  },
);
