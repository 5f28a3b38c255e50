// The live dashboard: reads /api/dashboard every two seconds and redraws, no reload.
import { api, el } from './api.js';

const POLL_MS = 2000;

function table(rows, fmt = (v) => v) {
  const entries = Object.entries(rows ?? {});
  if (entries.length === 0) return el('p', { class: 'dim' }, 'none');
  return el(
    'table',
    {},
    ...entries.map(([k, v]) => el('tr', {}, el('td', { title: k }, k), el('td', {}, fmt(v)))),
  );
}

function box(title, id, ...body) {
  return el('div', { id }, el('h3', {}, title), ...body);
}

const perMin = (v) => `${v.toFixed(1)}/min`;
const ms = (v) => (v === null ? '–' : `${v.toFixed(1)} ms`);

function render(d) {
  const subnet =
    d.subnet.halted === null ? 'unknown' : d.subnet.halted ? 'halted (owner takes the incentive)' : 'live';
  document
    .getElementById('dash')
    .replaceChildren(
      box(
        'Requests per minute by validator',
        'd-validator',
        d.perMinuteByValidator ? table(d.perMinuteByValidator, perMin) : el('p', {}, 'measuring…'),
        el('small', {}, `total since start: ${Object.values(d.totalByValidator).reduce((a, b) => a + b, 0)}`),
      ),
      box(
        'Requests per minute by version',
        'd-version',
        d.perMinuteByVersion ? table(d.perMinuteByVersion, perMin) : el('p', {}, 'measuring…'),
      ),
      box(
        'Latency',
        'd-latency',
        el('div', { class: 'big' }, `p50 ${ms(d.latencyMs.p50)}`),
        el('div', {}, `p99 ${ms(d.latencyMs.p99)}`),
      ),
      box('Errors by code', 'd-errors', table(d.errorsByCode)),
      box('Exits per stage', 'd-exits', table(d.exits)),
      box(
        'Cache hit rate',
        'd-cache',
        el('div', { class: 'big' }, d.cacheHitRate === null ? '–' : `${(d.cacheHitRate * 100).toFixed(1)} %`),
      ),
      box(
        'Model',
        'd-model',
        el('div', { class: 'big' }, d.model ? d.model.version : 'unknown'),
        el(
          'div',
          { class: d.model?.ageDays > 75 ? 'bad' : '' },
          d.model?.ageDays == null ? 'age: not published' : `age ${d.model.ageDays.toFixed(1)} days of 90`,
        ),
      ),
      box(
        'Query log',
        'd-querylog',
        el('div', {}, `logged ${d.querylog.logged}, queued ${d.querylog.queue}`),
        table(d.querylog.dropped),
      ),
      box(
        'Subnet',
        'd-subnet',
        el('div', { class: `big ${d.subnet.halted === null ? '' : d.subnet.halted ? 'bad' : 'ok'}` }, subnet),
        el(
          'div',
          {},
          `owner incentive share ${d.subnet.ownerIncentiveShare === null ? '–' : d.subnet.ownerIncentiveShare.toFixed(2)}; block ${d.subnet.block ?? '–'}`,
        ),
      ),
    );
  const status = document.getElementById('dash-status');
  status.textContent = `Updated ${new Date(d.at).toLocaleTimeString()}${d.windowS ? `, rates over ${d.windowS.toFixed(0)} s` : ''}`;
  status.dataset.at = String(d.at);
}

async function tick() {
  try {
    render(await api('/api/dashboard'));
  } catch (err) {
    document.getElementById('dash-status').textContent = `The miner's metrics cannot be read: ${err.message}`;
  }
  setTimeout(tick, POLL_MS);
}

export function startDashboard() {
  tick();
}
