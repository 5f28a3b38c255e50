// The messages the pool and its workers exchange, and how coded errors survive the thread boundary.
import { ERRORS, RoadworkError, type ErrorCode } from '../../core/errors/index.js';

/**
 * Main thread → worker. `budgetMs` is how long the caller will still wait, measured at posting: a
 * relative budget, because the worker cannot see the caller's injected Clock (it does not clone) and
 * two threads' epoch readings need not agree with it.
 */
export type ToWorker = {
  readonly type: 'job';
  readonly id: number;
  readonly job: unknown;
  readonly budgetMs: number;
};

/** Worker → main thread. */
export type FromWorker =
  /** `sequential`: the worker runs one job at a time in arrival order (see `ServeOptions.sequential`). */
  | { readonly type: 'ready'; readonly sequential?: boolean }
  | { readonly type: 'init-error'; readonly error: WireError }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: WireError };

/** An error flattened for `postMessage`: class identity does not cross threads, the code does. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

/** Flattens any thrown value for the trip to the main thread. */
export function toWireError(err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(err.stack === undefined ? {} : { stack: err.stack }),
    };
  }
  return { name: 'Error', message: String(err) };
}

/** Rebuilds a `RoadworkError` when the code is in the catalogue, else a plain `Error`. */
export function fromWireError(wire: WireError): Error {
  const error =
    wire.code !== undefined && Object.hasOwn(ERRORS, wire.code)
      ? new RoadworkError(wire.code as ErrorCode, wire.message)
      : Object.assign(new Error(wire.message), { name: wire.name });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
