// The TAO price feed against a real HTTP server on 127.0.0.1 answering as CoinGecko's simple-price API does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRoadworkError } from '../../core/errors/index.js';
import { fetchTaoUsd } from './index.js';

let server: Server;
let base: string;
const seen: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.accept}`);
    if (req.url?.startsWith('/simple/price')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ bittensor: { usd: 312.45 } }));
    } else if (req.url === '/string') res.end(JSON.stringify({ data: { price: '298.1' } }));
    else if (req.url === '/hang') setTimeout(() => res.end('{}'), 2000).unref();
    else {
      res.statusCode = 503;
      res.end('busy');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('fetchTaoUsd() reads the price at the default path of a CoinGecko-shaped answer', async () => {
  assert.equal(await fetchTaoUsd(`${base}/simple/price?ids=bittensor&vs_currencies=usd`), 312.45);
  assert.equal(seen.at(-1), '/simple/price?ids=bittensor&vs_currencies=usd application/json');
  assert.equal(await fetchTaoUsd(`${base}/string`, { path: 'data.price' }), 298.1);
});

test('fetchTaoUsd() fails with ERR_PRICE_FEED on an HTTP error, a missing path and a timeout', async () => {
  const fails = (url: string, options = {}, why: RegExp = /./) =>
    assert.rejects(fetchTaoUsd(url, options), (err: unknown) => {
      return isRoadworkError(err, 'ERR_PRICE_FEED') && err.message.includes(url) && why.test(err.message);
    });
  await fails(`${base}/down`, {}, /HTTP 503/);
  await fails(`${base}/simple/price`, { path: 'bittensor.eur' }, /no positive number at bittensor\.eur/);
  await fails(`${base}/hang`, { timeoutMs: 200 });
  await fails('http://127.0.0.1:1/closed');
});
