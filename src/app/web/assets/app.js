// The page's entry: tabs by URL hash; each tab's module starts when first shown.
import { startGallery } from './gallery.js';
import { startDashboard } from './dashboard.js';
import { startOps } from './ops.js';
import { startClusters } from './clusters.js';
import { fillChoices } from './choices.js';

const starters = { gallery: startGallery, dashboard: startDashboard, ops: startOps, clusters: startClusters };
const started = new Set();

function show() {
  const tab = (location.hash || '#gallery').slice(1);
  for (const s of document.querySelectorAll('section.tab')) s.hidden = s.id !== tab;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('on', a.dataset.tab === tab);
  document.body.dataset.tab = tab;
  if (!started.has(tab) && starters[tab]) {
    started.add(tab);
    starters[tab]();
  }
}

fillChoices();
window.addEventListener('hashchange', show);
show();
