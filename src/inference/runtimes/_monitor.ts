// How every runtime's worker pool is watched: its events logged under one name, its health on the board.
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../core/clock/index.js';
import { logPoolEvents, type WorkerPoolOptions } from '../workers/index.js';
import type { RuntimeContext } from './types.js';

/**
 * The pool options that name a model's pool, log its crashes, register it for readiness and give it
 * the runtime's clock (the one its callers' deadlines are read on).
 */
export function poolMonitor(
  ctx: RuntimeContext,
  name: string,
  logger: Logger = ctx.logger,
): Pick<WorkerPoolOptions, 'name' | 'onEvent' | 'health'> & { readonly clock: Clock } {
  return {
    name,
    clock: ctx.clock ?? systemClock(),
    onEvent: logPoolEvents(logger, name),
    ...(ctx.pools === undefined ? {} : { health: ctx.pools }),
  };
}
