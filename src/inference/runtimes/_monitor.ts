// How every runtime's worker pool is watched: its events logged under one name, its health on the board.
import type { Logger } from 'pino';
import { logPoolEvents, type WorkerPoolOptions } from '../workers/index.js';
import type { RuntimeContext } from './types.js';

/** The pool options that name a model's pool, log its crashes and register it for readiness. */
export function poolMonitor(
  ctx: RuntimeContext,
  name: string,
  logger: Logger = ctx.logger,
): Pick<WorkerPoolOptions, 'name' | 'onEvent' | 'health'> {
  return {
    name,
    onEvent: logPoolEvents(logger, name),
    ...(ctx.pools === undefined ? {} : { health: ctx.pools }),
  };
}
