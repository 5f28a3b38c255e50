// Export and retrain-and-evaluate: the export reports its folder; the retrain streams its child's output.
import { api, el } from './api.js';

function verdict(state) {
  const v = document.getElementById('retrain-verdict');
  if (state.running) return void (v.textContent = 'running…');
  if (state.result === null)
    v.textContent = state.exitCode === null ? '' : `retrain failed (exit ${state.exitCode}): see its output`;
  else if (state.result.promoted)
    v.replaceChildren(el('strong', { class: 'ok' }, `${state.result.version} promoted`), ' by the gate');
  else
    v.replaceChildren(
      el('strong', { class: 'bad' }, `${state.result.version} not promoted`),
      `: ${state.result.reason ?? ''}`,
    );
  v.dataset.done = 'true';
}

function follow() {
  const log = document.getElementById('retrain-log');
  log.textContent = '';
  const events = new EventSource('/api/retrain/events');
  events.onmessage = (e) => {
    log.textContent += `${JSON.parse(e.data)}\n`;
    log.scrollTop = log.scrollHeight;
  };
  events.addEventListener('done', (e) => {
    events.close();
    verdict(JSON.parse(e.data));
    document.getElementById('retrain').disabled = false;
  });
}

export async function startOps() {
  document.getElementById('export').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const out = document.getElementById('export-result');
    out.textContent = 'exporting…';
    try {
      const r = await api('/api/export', {
        format: f.get('format'),
        labelledOnly: f.get('labelledOnly') === 'on',
      });
      out.textContent = `Wrote ${r.images} images (${r.labelled} labelled) as ${r.format} to ${r.dir}`;
      out.dataset.dir = r.dir;
    } catch (err) {
      out.textContent = err.message;
    }
  });
  const button = document.getElementById('retrain');
  button.addEventListener('click', async () => {
    button.disabled = true;
    document.getElementById('retrain-verdict').dataset.done = '';
    try {
      await api('/api/retrain', {});
      verdict({ running: true });
      follow();
    } catch (err) {
      document.getElementById('retrain-verdict').textContent = err.message;
      button.disabled = false;
    }
  });
  const state = await api('/api/retrain');
  document.getElementById('retrain-args').textContent = `roadwork retrain ${state.configured.join(' ')}`;
  if (state.running || state.exitCode !== null) follow();
}
