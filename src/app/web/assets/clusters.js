// The cluster view: the 2-D projection of embeddings as SVG dots, coloured by label or by error.
import { api } from './api.js';
import { moreLike } from './gallery.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 400;
let points = [];

function colour(p, by) {
  if (by === 'error') return p.error === null ? '#666' : p.error ? '#e05050' : '#50c070';
  return p.label === null ? '#666' : p.label === 1 ? '#e0a030' : '#3f8fd8';
}

function draw() {
  const svg = document.getElementById('scatter');
  const by = document.getElementById('colour').value;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x) => 20 + ((x - x0) / (x1 - x0 || 1)) * (W - 40);
  const sy = (y) => H - 20 - ((y - y0) / (y1 - y0 || 1)) * (H - 40);
  svg.replaceChildren(
    ...points.map((p) => {
      const c = document.createElementNS(NS, 'circle');
      c.setAttribute('cx', sx(p.x).toFixed(1));
      c.setAttribute('cy', sy(p.y).toFixed(1));
      c.setAttribute('r', '5');
      c.setAttribute('fill', colour(p, by));
      c.setAttribute('data-id', String(p.id));
      const title = document.createElementNS(NS, 'title');
      title.textContent = `query ${p.id}: p=${p.prediction.toFixed(3)}${p.cluster === null ? '' : `, cluster ${p.cluster}`}`;
      c.append(title);
      c.addEventListener('click', () => moreLike(p));
      return c;
    }),
  );
  svg.dataset.count = String(points.length);
}

export async function startClusters() {
  document.getElementById('colour').addEventListener('change', draw);
  points = (await api('/api/projection')).points;
  document.getElementById('cluster-pick').textContent =
    points.length === 0 ? 'No embeddings logged yet.' : `${points.length} queries`;
  draw();
}
