/** Publishing the axon when the chain holds another one: the decision and the signed call, in one place. */
import type { ApiPromise } from '@polkadot/api';
import type { Signer } from '../wallet/index.js';
import { planServeAxon, type ServeAxonPlan } from './_publish.js';
import { signAndSubmit, type Inclusion } from './_submit.js';

/** What `announceAxon` did. */
export type Announcement =
  | { readonly outcome: 'unchanged'; readonly plan: ServeAxonPlan }
  | { readonly outcome: 'not-registered'; readonly plan: ServeAxonPlan }
  | { readonly outcome: 'dry-run'; readonly plan: ServeAxonPlan }
  | { readonly outcome: 'published'; readonly plan: ServeAxonPlan; readonly inclusion: Inclusion };

/** Where the axon is, and how long to wait for inclusion. */
export interface AnnounceOptions {
  readonly netuid: number;
  readonly ip: string;
  readonly port: number;
  /** Default 60 s. */
  readonly timeoutMs?: number;
  /** Sees the plan before anything is signed (the CLI prints it). */
  readonly onPlan?: (plan: ServeAxonPlan) => void;
  /** Plan only: sign and send nothing, outcome `dry-run` when a real run would have sent. */
  readonly dryRun?: boolean;
  /**
   * Bounds the reads that make the plan (the CLI: by `--timeout`, so a node that stops answering
   * before anything is signed is given up on); inclusion keeps its own `timeoutMs`. Default: unbounded.
   */
  readonly boundReads?: <T>(reads: Promise<T>) => Promise<T>;
}

/**
 * Sends `serve_axon` signed by the hotkey when the chain holds another ip, port or protocol for it
 * on the subnet; sends nothing when it already holds this one or the hotkey is not registered (the
 * chain would refuse). Throws `ERR_CHAIN_SUBMIT` when the node refuses the extrinsic.
 */
export async function announceAxon(
  api: ApiPromise,
  signer: Signer,
  options: AnnounceOptions,
): Promise<Announcement> {
  const reads = planServeAxon(api, signer.ss58, {
    netuid: options.netuid,
    ip: options.ip,
    port: options.port,
  });
  const plan = await (options.boundReads ? options.boundReads(reads) : reads);
  options.onPlan?.(plan);
  if (plan.unchanged) return { outcome: 'unchanged', plan };
  if (plan.uid === undefined) return { outcome: 'not-registered', plan };
  if (options.dryRun) return { outcome: 'dry-run', plan };
  const inclusion = await signAndSubmit(api, plan.call, signer, { timeoutMs: options.timeoutMs ?? 60_000 });
  return { outcome: 'published', plan, inclusion };
}
