import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { isRoadworkError } from '../../../core/errors/index.js';
import type { RgbImage } from '../../image/index.js';
import { fakeClock } from '../../../core/clock/index.js';
import { DEFAULT_QUESTION, loadOpenAiVlm, type VlmAnswer } from './index.js';
import { testContext } from '../_test-context.js';
import type { ModelRef } from '../types.js';
import { createCascadePredictor, parseCascadeConfig, type CascadeStageResult } from '../../cascade/index.js';

const ctx = testContext();

const image: RgbImage = { data: new Uint8Array(224 * 224 * 3).fill(128), width: 224, height: 224 };

type Handler = (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => void;

/** A local OpenAI-compatible server: `handler` answers each POST /v1/chat/completions. */
async function serve(handler: Handler): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      handler(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function completion(content: string, top?: Array<[string, number]>): string {
  const logprobs =
    top === undefined
      ? null
      : {
          content: [
            {
              token: content,
              logprob: Math.log(top.find(([t]) => t === content)?.[1] ?? 0.01),
              top_logprobs: top.map(([token, p]) => ({ token, logprob: Math.log(p) })),
            },
          ],
        };
  return JSON.stringify({
    id: 'x',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, logprobs, finish_reason: 'length' }],
  });
}

function json(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

const inMs = (ms: number): { deadlineMs: number } => ({ deadlineMs: Date.now() + ms });

test('askYesNo() computes pYes from the logprobs of a local OpenAI-compatible server', async () => {
  let seen: Record<string, unknown> | undefined;
  let auth: string | undefined;
  const server = await serve((body, req, res) => {
    seen = body;
    auth = req.headers.authorization;
    json(
      res,
      200,
      completion('Yes', [
        ['Yes', 0.6],
        [' yes', 0.1],
        ['YES', 0.05],
        ['No', 0.2],
        ['Maybe', 0.05],
      ]),
    );
  });
  try {
    const vlm = await loadOpenAiVlm(
      { runtime: 'openai', model: 'qwen-vl', options: { base_url: server.baseUrl, api_key: 'sk-test' } },
      ctx,
    );
    const answer = (await vlm.askYesNo(image, '', inMs(5000))) as VlmAnswer;
    assert.ok(Math.abs(answer.pYes - 0.75 / 0.95) < 1e-9, String(answer.pYes));
    assert.equal(answer.answer, 'Yes');
    assert.equal(answer.source, 'logprobs');
    assert.equal(auth, 'Bearer sk-test');
    assert.equal(seen?.model, 'qwen-vl');
    assert.equal(seen?.max_tokens, 1);
    assert.equal(seen?.logprobs, true);
    assert.equal(seen?.top_logprobs, 20);
    const [message] = seen?.messages as Array<{ content: Array<Record<string, unknown>> }>;
    const [imagePart, textPart] = message!.content;
    assert.equal(textPart!.text, DEFAULT_QUESTION);
    const url = (imagePart!.image_url as { url: string }).url;
    assert.ok(url.startsWith('data:image/jpeg;base64,'));
    const meta = await sharp(Buffer.from(url.split(',')[1]!, 'base64')).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 224, 224]);
    await vlm.close();
  } finally {
    await server.close();
  }
});

test('askYesNo() asks the caller question and versions by model name and configured question', async () => {
  let question: unknown;
  const server = await serve((body, _req, res) => {
    question = (body.messages as Array<{ content: Array<{ text?: string }> }>)[0]!.content[1]!.text;
    json(
      res,
      200,
      completion('no', [
        ['no', 0.9],
        ['yes', 0.1],
      ]),
    );
  });
  try {
    const a = await loadOpenAiVlm(
      { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl } },
      ctx,
    );
    const b = await loadOpenAiVlm(
      { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl, question: 'Cones? Yes or no.' } },
      ctx,
    );
    assert.ok(a.version.startsWith('m@q'));
    assert.notEqual(a.version, b.version);
    const answer = await a.askYesNo(image, 'Is there a cone? Answer yes or no.', inMs(5000));
    assert.equal(question, 'Is there a cone? Answer yes or no.');
    assert.ok(Math.abs(answer.pYes - 0.1) < 1e-9);
  } finally {
    await server.close();
  }
});

test('askYesNo() falls back to the answer text when a local OpenAI-compatible server sends no logprobs', async () => {
  const server = await serve((_body, _req, res) => json(res, 200, completion('No.')));
  try {
    const vlm = await loadOpenAiVlm(
      { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl } },
      ctx,
    );
    const answer = (await vlm.askYesNo(image, '', inMs(5000))) as VlmAnswer;
    assert.equal(answer.source, 'text');
    assert.ok(Math.abs(answer.pYes - 0.2) < 1e-9);
    assert.equal(answer.answer, 'No.');
  } finally {
    await server.close();
  }
});

test('askYesNo() rejects an answer that is neither yes nor no with ERR_MODEL_OUTPUT', async () => {
  const server = await serve((_body, _req, res) => json(res, 200, completion('Perhaps', [['Perhaps', 0.9]])));
  try {
    const vlm = await loadOpenAiVlm(
      { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl } },
      ctx,
    );
    await assert.rejects(vlm.askYesNo(image, '', inMs(5000)), (err) =>
      isRoadworkError(err, 'ERR_MODEL_OUTPUT'),
    );
  } finally {
    await server.close();
  }
});

test('askYesNo() retries a 500 from a local OpenAI-compatible server and then succeeds', async () => {
  let calls = 0;
  const server = await serve((_body, _req, res) => {
    calls++;
    if (calls === 1) json(res, 500, '{"error":"busy"}');
    else
      json(
        res,
        200,
        completion('Yes', [
          ['Yes', 0.9],
          ['No', 0.1],
        ]),
      );
  });
  try {
    const vlm = await loadOpenAiVlm(
      { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl } },
      ctx,
    );
    const answer = await vlm.askYesNo(image, '', inMs(5000));
    assert.equal(calls, 2);
    assert.ok(Math.abs(answer.pYes - 0.9) < 1e-9);
  } finally {
    await server.close();
  }
});

test('askYesNo() does not retry a 400 and reports ERR_MODEL_SERVER with the status', async () => {
  let calls = 0;
  const server = await serve((_body, _req, res) => {
    calls++;
    json(res, 400, '{"error":"model not found"}');
  });
  try {
    const vlm = await loadOpenAiVlm(
      { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl } },
      ctx,
    );
    await assert.rejects(
      vlm.askYesNo(image, '', inMs(5000)),
      (err) => isRoadworkError(err, 'ERR_MODEL_SERVER') && /HTTP 400/.test(err.message),
    );
    assert.equal(calls, 1);
  } finally {
    await server.close();
  }
});

test('askYesNo() fails fast with ERR_MODEL_SERVER when the local OpenAI-compatible server is down', async () => {
  const server = await serve(() => undefined);
  const { baseUrl } = server;
  await server.close();
  const vlm = await loadOpenAiVlm({ runtime: 'openai', model: 'm', options: { base_url: baseUrl } }, ctx);
  const started = Date.now();
  await assert.rejects(vlm.askYesNo(image, '', inMs(5000)), (err) =>
    isRoadworkError(err, 'ERR_MODEL_SERVER'),
  );
  assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
});

test('askYesNo() gives ERR_STAGE_TIMEOUT at the deadline when a local OpenAI-compatible server stalls', async () => {
  const server = await serve(() => undefined);
  try {
    const vlm = await loadOpenAiVlm(
      { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl } },
      ctx,
    );
    const started = Date.now();
    await assert.rejects(vlm.askYesNo(image, '', inMs(300)), (err) =>
      isRoadworkError(err, 'ERR_STAGE_TIMEOUT'),
    );
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 1000, `took ${took} ms`);
  } finally {
    await server.close();
  }
});

test('askYesNo() keeps at most max_concurrency requests in flight at a local OpenAI-compatible server', async () => {
  let inFlight = 0;
  let peak = 0;
  const server = await serve((_body, _req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      json(
        res,
        200,
        completion('Yes', [
          ['Yes', 0.7],
          ['No', 0.3],
        ]),
      );
    }, 60);
  });
  try {
    const vlm = await loadOpenAiVlm(
      { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl, max_concurrency: 2 } },
      ctx,
    );
    const answers = await Promise.all(Array.from({ length: 7 }, () => vlm.askYesNo(image, '', inMs(5000))));
    assert.equal(answers.length, 7);
    assert.ok(answers.every((a) => Math.abs(a.pYes - 0.7) < 1e-9));
    assert.equal(peak, 2);
  } finally {
    await server.close();
  }
});

test('loadOpenAiVlm() rejects an unknown option and a bad value with ERR_CONFIG_INVALID', async () => {
  await assert.rejects(
    loadOpenAiVlm({ runtime: 'openai', model: 'm', options: { temprature: 0 } }, ctx),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /temprature/.test(err.message),
  );
  await assert.rejects(
    loadOpenAiVlm({ runtime: 'openai', model: 'm', options: { top_logprobs: 50 } }, ctx),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /top_logprobs/.test(err.message),
  );
});

test('a vlm stage sends a bare model name as the name, and model: http://host/v1#name reaches that server', async () => {
  const names: unknown[] = [];
  const server = await serve((body, _req, res) => {
    names.push(body.model);
    json(res, 200, completion('No', [['No', 0.9]]));
  });
  try {
    // Through the cascade's own config reader: a name without a slash is not a file path.
    const config = parseCascadeConfig(
      {
        stages: [
          {
            kind: 'vlm',
            vlm: { runtime: 'openai', model: 'qwen2-vl', options: { base_url: server.baseUrl } },
          },
          { name: 'v2', kind: 'vlm', vlm: { runtime: 'openai', model: `${server.baseUrl}#Qwen2-VL-7B` } },
        ],
      },
      { baseDir: '/somewhere/else' },
    );
    for (const stage of config.stages) {
      const ref = (stage.config as { vlm: ModelRef }).vlm;
      const vlm = await loadOpenAiVlm(ref, ctx);
      await vlm.askYesNo(image, '', inMs(5000));
      await vlm.close();
    }
    assert.deepEqual(names, ['qwen2-vl', 'Qwen2-VL-7B']);
    await assert.rejects(
      loadOpenAiVlm(
        { runtime: 'openai', model: `${server.baseUrl}#x`, options: { base_url: 'http://other:1/v1' } },
        ctx,
      ),
      (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID'),
    );
  } finally {
    await server.close();
  }
});

/** A local server giving every request the same answer, and how many it has had. */
async function counting(content: string, top: Array<[string, number]>) {
  let n = 0;
  const server = await serve((_body, _req, res) => {
    n++;
    json(res, 200, completion(content, top));
  });
  return { ...server, requests: () => n };
}

test('askYesNo() reads its deadline on the runtime clock, not the wall clock', async () => {
  const server = await counting('No', [
    ['No', 0.9],
    ['Yes', 0.1],
  ]);
  try {
    const ref: ModelRef = { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl } };
    // An hour behind the wall clock: by Date.now() this deadline passed long ago.
    const behind = fakeClock(Date.now() - 3_600_000);
    const vlm = await loadOpenAiVlm(ref, { ...ctx, clock: behind });
    const answer = (await vlm.askYesNo(image, '', { deadlineMs: behind.nowMs() + 5000 })) as VlmAnswer;
    assert.equal(answer.answer, 'No');
    assert.equal(server.requests(), 1);
    // Moved past a deadline that is still ahead of the wall clock: refused without asking the server.
    const ahead = fakeClock(Date.now());
    const late = await loadOpenAiVlm(ref, { ...ctx, clock: ahead });
    const deadlineMs = ahead.nowMs() + 5000;
    ahead.advance(6000);
    await assert.rejects(late.askYesNo(image, '', { deadlineMs }), (err) =>
      isRoadworkError(err, 'ERR_STAGE_TIMEOUT'),
    );
    assert.equal(server.requests(), 1);
    await vlm.close();
    await late.close();
  } finally {
    await server.close();
  }
});

test('a cascade gives its clock to the runtimes under it, so a vlm stage reads the request deadline on it', async () => {
  const server = await counting('Yes', [
    ['Yes', 0.8],
    ['No', 0.2],
  ]);
  // The runtime context has no clock of its own: the cascade's (an hour behind the wall clock) must reach it.
  const clock = fakeClock(Date.now() - 3_600_000);
  const config = parseCascadeConfig({
    stages: [{ kind: 'vlm', vlm: { runtime: 'openai', model: 'm', options: { base_url: server.baseUrl } } }],
  });
  const cascade = createCascadePredictor(config, { runtime: ctx, logger: ctx.logger, clock });
  try {
    await cascade.start();
    const answer = await cascade.predict(image, { deadlineMs: clock.nowMs() + 5000 });
    const [stage] = (answer.stages ?? []) as CascadeStageResult[];
    assert.equal(stage?.error, undefined);
    assert.ok(Math.abs((stage?.probability ?? 0) - 0.8) < 1e-9, String(stage?.probability));
    assert.equal(server.requests(), 1);
  } finally {
    await cascade.close();
    await server.close();
  }
});
