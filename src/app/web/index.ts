/**
 * The web app: a gallery of the query log with one-key labelling, export, retrain-and-evaluate and a
 * live dashboard, on node:http with a page of plain ES modules and CSS (no build step, no CDN). Run by
 * `roadwork ui` on its own, or by `roadwork serve --ui.port` inside the miner.
 */
export { UI_LISTENER, createWebApp, type WebApp, type WebDeps, type WebOptions } from './_app.js';
export { checkUiBinding, isLoopback } from './_auth.js';
export { roadworkCommand } from './_retrain.js';
export type { DashboardSnapshot } from './_dashboard.js';
export { UI_DEFAULT_PORT, metricsUrlFor, scrapeMetrics, webAppFor } from './_settings.js';
