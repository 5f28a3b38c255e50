// What every route of the web app works with.
import type { Logger } from 'pino';
import type { AsyncStore } from '../../core/store/index.js';
import type { Dashboard } from './_dashboard.js';
import type { RetrainRunner } from './_retrain.js';
import type { HardCaseCache, ProjectionCache } from './_ranking.js';

/** The app's parts, built once by `createWebApp`. */
export interface WebContext {
  readonly store: AsyncStore;
  /** `<data_dir>/queries`. */
  readonly imagesDir: string;
  /** `data_dir`: exports go to `<data_dir>/exports`. */
  readonly dataDir: string;
  readonly dashboard: Dashboard;
  /** The gallery's hard-case ranking, kept until the log changes. */
  readonly hardCases: HardCaseCache;
  /** The cluster view's projection of the whole log, kept until the log changes. */
  readonly projection: ProjectionCache;
  readonly retrain: RetrainRunner;
  /** `ui.retrain_args`. */
  readonly retrainArgs: readonly string[];
  /** Who labels through this app (recorded with each label). */
  readonly operator: string;
  readonly logger: Logger;
  now(): number;
}
