// The gallery: filtered queries, hard cases first, labelled by one key each, saved at once.
import { api, el } from './api.js';

const state = { items: [], sel: 0, undo: [], similarTo: null };
const grid = () => document.getElementById('grid');

function filterQuery() {
  const f = new FormData(document.getElementById('filters'));
  const q = new URLSearchParams();
  for (const key of ['validator', 'disagreement', 'labelled', 'label', 'cluster', 'sort'])
    if (f.get(key)) q.set(key, f.get(key));
  for (const key of ['from', 'to']) if (f.get(key)) q.set(key, String(new Date(f.get(key)).getTime()));
  if (f.get('band')) {
    const [min, max] = f.get('band').split(',');
    q.set('min', min);
    q.set('max', max);
  }
  return q;
}

function card(item, i) {
  const lab = item.label === 1 ? 'roadwork' : item.label === 0 ? 'not' : '';
  const why =
    (item.reasons ?? []).map((r) => r.detail).join('; ') || (item.disagreement ? 'stages disagree' : '');
  return el(
    'div',
    {
      class: `card${item.label === null ? '' : ` l${item.label}`}${i === state.sel ? ' sel' : ''}`,
      role: 'option',
      'data-sha': item.sha256,
      'data-id': item.id,
      onclick: () => select(i),
    },
    el('img', {
      src: `/api/image/${item.sha256}`,
      alt: `query ${item.id}`,
      loading: 'lazy',
      width: '160',
      height: '160',
    }),
    el('span', { class: 'lab' }, lab),
    el('span', { class: 'p' }, `p=${item.prediction.toFixed(3)}`),
    ` ${item.validator.slice(0, 8)}`,
    el('div', { class: 'why' }, why),
    el(
      'button',
      { type: 'button', class: 'more', onclick: (e) => (e.stopPropagation(), moreLike(item)) },
      'more like this',
    ),
  );
}

function render() {
  const g = grid();
  g.replaceChildren(...state.items.map(card));
  g.dataset.count = String(state.items.length);
  const note = document.getElementById('similar-note');
  note.hidden = state.similarTo === null;
  if (state.similarTo !== null)
    note.replaceChildren(
      `Most like query ${state.similarTo.id} `,
      el('button', { type: 'button', onclick: load }, 'back to the gallery'),
    );
}

function select(i) {
  state.sel = Math.max(0, Math.min(state.items.length - 1, i));
  const cards = grid().children;
  for (let k = 0; k < cards.length; k++) cards[k].classList.toggle('sel', k === state.sel);
  cards[state.sel]?.scrollIntoView({ block: 'nearest' });
}

function replace(i, item) {
  state.items[i] = item;
  grid().children[i]?.replaceWith(card(item, i));
}

async function setLabel(value) {
  const i = state.sel;
  const item = state.items[i];
  if (!item) return;
  const r = await api('/api/label', { sha256: item.sha256, label: value });
  state.undo.push({ i, sha256: item.sha256, previous: r.previous });
  replace(i, { ...item, label: value, labelSource: 'operator' });
  select(i + 1);
  void counts();
}

async function undo() {
  const last = state.undo.pop();
  if (!last) return;
  const r = await api('/api/restore', { sha256: last.sha256, previous: last.previous });
  const item = state.items[last.i];
  if (item && item.sha256 === last.sha256)
    replace(last.i, {
      ...item,
      label: r.label ? r.label.label : null,
      labelSource: r.label ? r.label.source : null,
    });
  select(last.i);
  void counts();
}

export async function moreLike(item) {
  location.hash = '#gallery';
  const r = await api(`/api/similar/${item.id}`);
  state.items = r.similar.map((s) => ({
    validator: '',
    disagreement: false,
    reasons: [{ detail: `distance ${s.distance.toFixed(3)}` }],
    ...s,
  }));
  state.similarTo = item;
  state.sel = 0;
  render();
}

export async function load() {
  state.similarTo = null;
  const r = await api(`/api/queries?${filterQuery()}`);
  state.items = r.queries;
  state.sel = 0;
  render();
}

async function counts() {
  const s = await api('/api/stats');
  document.getElementById('counts').textContent =
    `${s.logged} logged · ${s.labelled} labelled · ${s.dropped.full + s.dropped.error} dropped`;
  return s;
}

async function validators() {
  const s = await counts();
  const sel = document.querySelector('#filters select[name=validator]');
  for (const v of Object.keys(s.byValidator))
    sel.append(el('option', { value: v }, `${v.slice(0, 12)} (${s.byValidator[v]})`));
}

function onKey(e) {
  if (document.body.dataset.tab !== 'gallery' || e.target.closest?.('input, select, textarea')) return;
  const acts = {
    1: () => setLabel(1),
    0: () => setLabel(0),
    s: () => select(state.sel + 1),
    ArrowRight: () => select(state.sel + 1),
    ArrowDown: () => select(state.sel + 1),
    ArrowLeft: () => select(state.sel - 1),
    ArrowUp: () => select(state.sel - 1),
    u: () => undo(),
    m: () => state.items[state.sel] && moreLike(state.items[state.sel]),
  };
  const act = acts[e.key];
  if (!act) return;
  e.preventDefault();
  Promise.resolve(act()).catch((err) => (document.getElementById('msg').textContent = err.message));
}

export function startGallery() {
  document.getElementById('filters').addEventListener('change', load);
  document.addEventListener('keydown', onKey);
  load();
  validators();
}
