// `roadwork serve` says what it will not read from the settings in its JSON log, not as loose text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../..', import.meta.url);

test("serve logs the reference miner's unread IMAGE_DETECTOR as a JSON warning line", async () => {
  // A taken port stops serve right after the settings, before any model loads.
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-serve-warn-'));
  try {
    const port = String((holder.address() as AddressInfo).port);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/app/cli/main.ts', 'serve', '--axon.host', '127.0.0.1', '--axon.port', port],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          ...process.env,
          IMAGE_DETECTOR: 'ViT',
          ROADWORK_HOTKEY_SECRET: '//Miner',
          METAGRAPH_FILE: join(dir, 'none.json'),
          ROADWORK_DATA_DIR: dir,
          LOG_LEVEL: 'info',
        },
      },
    );
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('roadwork: ERR_'));
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    assert.ok(
      logged.some(
        (l) => l.level === 40 && /^IMAGE_DETECTOR \(setting model\.detector\) is not read/.test(l.msg),
      ),
      r.stderr,
    );
  } finally {
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
