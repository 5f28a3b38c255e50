// roadwork-miner under PM2 (docs/operations.md#pm2), instead of the systemd unit.
//   npm ci                                   # installs and compiles dist/
//   npx pm2 start deploy/pm2/ecosystem.config.cjs && npx pm2 save
//   npx pm2 startup                          # prints the command that starts PM2 at boot
//   npx pm2 logs roadwork-miner              # or the files in logs/
// The miner reads its settings file itself (--env-from, as `set -a; . miner.env` would), so PM2 passes
// no settings. What this file reads from the environment of `pm2 start`, all optional:
//   MINER_ENV_FILE   the settings file                   (default: miner.env in the repository root)
//   MINER_LOG_DIR    where the log files go              (default: logs/ in the repository root)
//   RETRAIN_ARGS     adds the daily retraining app: `roadwork retrain --every 1d $RETRAIN_ARGS`,
//                    e.g. "--challenges ../gate-set --publish -- --data ../photos --protocol 0.4"
// test/deploy-pm2.test.ts starts this file with PM2 as is, waits for the miner's /health, and stops it.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const envFile = process.env.MINER_ENV_FILE || path.join(root, 'miner.env');
const logDir = process.env.MINER_LOG_DIR || path.join(root, 'logs');
const retrainArgs = (process.env.RETRAIN_ARGS || '').trim();

/** What both apps share: the compiled CLI, run by node from the repository root. */
const common = {
  cwd: root,
  script: path.join(root, 'dist/app/cli/main.js'),
  exec_mode: 'fork',
  instances: 1,
  // pino writes JSON lines with their own time; PM2 adds nothing to them.
  time: false,
  merge_logs: true,
  env: { NODE_ENV: 'production' },
};

const miner = {
  ...common,
  name: 'roadwork-miner',
  args: ['serve', '--env-from', envFile],
  // As npm start and the systemd unit: a larger young generation for decoded images.
  node_args: ['--max-semi-space-size=32'],
  out_file: path.join(logDir, 'roadwork-miner.out.log'),
  error_file: path.join(logDir, 'roadwork-miner.err.log'),
  autorestart: true,
  // A crash loop (a bad model, a port taken) backs off from 1 s (×1.5 per restart, PM2 caps it at 15 s);
  // 10 restarts that each ran under 60 s, within the app's first 10 minutes, and PM2 gives up (errored).
  exp_backoff_restart_delay: 1000,
  max_restarts: 10,
  min_uptime: 60_000,
  // Exit 2 is a settings error: a restart cannot fix it (systemd's RestartPreventExitStatus=2).
  stop_exit_codes: [2],
  // The starter cascade holds under 1 GiB; a leak is cut before it takes the host.
  max_memory_restart: '3G',
  // PM2 stops with SIGINT: the miner stops accepting, drains in-flight requests (up to 10 s), closes
  // its models and flushes its logs. 30 s, as systemd's TimeoutStopSec, before PM2 sends SIGKILL.
  kill_timeout: 30_000,
};

/** `roadwork retrain --every 1d`: one cycle a day in a long-running process (RETRAIN_ARGS split at spaces). */
const retrain = {
  ...common,
  name: 'roadwork-retrain',
  args: ['retrain', '--env-from', envFile, '--every', '1d', ...retrainArgs.split(/\s+/)],
  out_file: path.join(logDir, 'roadwork-retrain.out.log'),
  error_file: path.join(logDir, 'roadwork-retrain.err.log'),
  autorestart: true,
  // A crash (a failed cycle is logged, not an exit) waits a minute; PM2's backoff would cap at 15 s.
  restart_delay: 60_000,
  stop_exit_codes: [2],
  kill_timeout: 30_000,
};

module.exports = { apps: retrainArgs === '' ? [miner] : [miner, retrain] };
