// The web app's operator actions beyond labelling: the dashboard's numbers, and retrain-and-evaluate.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebContext } from './_context.js';
import { sendJson } from './_http.js';
import { writeExport } from './_api.js';

/** GET /api/dashboard: one reading of the miner's metrics. */
export async function dashboard(ctx: WebContext, res: ServerResponse): Promise<void> {
  sendJson(res, 200, await ctx.dashboard.snapshot());
}

/** GET /api/retrain: the current or last run (output, exit code, the gate's verdict). */
export function retrainState(ctx: WebContext, res: ServerResponse): void {
  sendJson(res, 200, { ...ctx.retrain.state(), configured: ctx.retrainArgs });
}

/**
 * POST /api/retrain: exports the labelled queries as folders when `ui.retrain_args` names
 * `{labelled}`, then starts `roadwork retrain` with those arguments as a child process.
 */
export async function startRetrain(ctx: WebContext, res: ServerResponse): Promise<void> {
  let args = ctx.retrainArgs;
  let labelled: { dir: string; images: number } | undefined;
  if (args.some((a) => a.includes('{labelled}'))) {
    labelled = await writeExport(ctx, 'folders', true, 'labelled');
    args = args.map((a) => a.replaceAll('{labelled}', labelled!.dir));
  }
  // The child reads the same state folder as this process, whatever its environment says.
  ctx.retrain.start(['--data_dir', ctx.dataDir, ...args]);
  ctx.logger.info({ args }, 'Retrain started from the web app');
  sendJson(res, 202, { started: true, labelled: labelled ?? null, state: ctx.retrain.state() });
}

/** GET /api/retrain/events: the run's output as server-sent events, ending with `done`. */
export function retrainEvents(ctx: WebContext, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  const state = ctx.retrain.state();
  for (const line of state.lines) res.write(`data: ${JSON.stringify(line)}\n\n`);
  if (!state.running) {
    res.end(`event: done\ndata: ${JSON.stringify(state)}\n\n`);
    return;
  }
  const unsubscribe = ctx.retrain.subscribe((line) => {
    if (line !== null) res.write(`data: ${JSON.stringify(line)}\n\n`);
    else res.end(`event: done\ndata: ${JSON.stringify(ctx.retrain.state())}\n\n`);
  });
  req.once('close', unsubscribe);
  res.once('close', unsubscribe);
}
