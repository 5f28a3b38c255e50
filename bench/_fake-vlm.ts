// A tiny OpenAI-compatible chat completions server on 127.0.0.1 for the fault battery's VLM scenario:
// it answers well, or hangs, fails, resets or talks nonsense, as its current mode says.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How the fake server answers `POST /v1/chat/completions`. */
export const VLM_MODES = [
  'ok',
  'http-500',
  'garbage',
  'no-choices',
  'not-yes-no',
  'reset',
  'slow',
  'hang',
] as const;

/** One of `VLM_MODES`. */
export type VlmMode = (typeof VLM_MODES)[number];

/** A running fake VLM server. */
export interface FakeVlm {
  readonly port: number;
  /** Questions received so far. */
  readonly asked: () => number;
  setMode(mode: VlmMode): void;
  close(): Promise<void>;
}

function answer(res: ServerResponse, token: string): void {
  const logprob = {
    token,
    logprob: -0.1,
    top_logprobs: [
      { token, logprob: -0.1 },
      { token: token === 'yes' ? 'no' : 'yes', logprob: -2.4 },
    ],
  };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      choices: [{ message: { role: 'assistant', content: token }, logprobs: { content: [logprob] } }],
    }),
  );
}

/** Starts the server on a free loopback port in mode `ok`. */
export async function startFakeVlm(): Promise<FakeVlm> {
  let mode: VlmMode = 'ok';
  let asked = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      asked++;
      if (mode === 'ok') return answer(res, 'yes');
      if (mode === 'http-500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        return res.end('{"error":{"message":"CUDA out of memory"}}');
      }
      if (mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html><body>502 Bad Gateway</body></html>');
      }
      if (mode === 'no-choices') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{"choices":[]}');
      }
      if (mode === 'not-yes-no') return answer(res, 'perhaps');
      if (mode === 'reset') return req.socket.destroy();
      if (mode === 'slow') return void setTimeout(() => answer(res, 'no'), 3000);
      // 'hang': headers never come; the socket stays open until the miner gives up or we close.
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake VLM has no port');
  return {
    port: address.port,
    asked: () => asked,
    setMode: (m) => {
      mode = m;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
