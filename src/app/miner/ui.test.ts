// serve --ui.port: the web app inside the miner, on its query log and its own metrics registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postSigned, sceneJpeg, signedRequest, startTestMiner } from '../../../test/_harness.js';
import { freePort } from '../../../test/fixtures/ports.js';
import { isRoadworkError } from '../../core/errors/index.js';

test(
  'a miner with ui.port serves the web app: its dashboard reads the in-process registry, its gallery the query log',
  { timeout: 90_000 },
  async (t) => {
    const port = await freePort();
    const m = await startTestMiner({ 'ui.port': port });
    t.after(() => m.stop());
    assert.equal(m.miner.uiPort(), port);
    const image = (await sceneJpeg('ui-in-miner')).toString('base64');
    assert.equal((await postSigned(m.port, signedRequest(m.port, { image }))).status, 200);
    await new Promise((resolve) => setImmediate(resolve));
    await m.miner.queryLog?.writer()?.flush();
    const dash = (await (await fetch(`http://127.0.0.1:${port}/api/dashboard`)).json()) as {
      totalByValidator: Record<string, number>;
      subnet: { block: number };
    };
    assert.equal(
      Object.values(dash.totalByValidator).reduce((a, b) => a + b, 0),
      1,
    );
    assert.equal(dash.subnet.block, 100);
    const rows = (await (await fetch(`http://127.0.0.1:${port}/api/queries`)).json()) as {
      queries: unknown[];
    };
    assert.equal(rows.queries.length, 1);
  },
);

test('a miner refuses to build with the web app on a public address without ui.token', async () => {
  await assert.rejects(startTestMiner({ 'ui.port': 1, 'ui.host': '0.0.0.0' }), (e) =>
    isRoadworkError(e, 'ERR_UI_UNSAFE_BIND'),
  );
});
