// The dashboard's entry point: a small client-side router over /ui (clusters) and /ui/clusters/NAME (one cluster).
// Plain ES modules served by the silo; no build step, nothing loaded from elsewhere.

import { ClustersView } from './clusters-view.js';
import { ClusterView } from './cluster-view.js';
import { stats, setCrumbs, setClock } from './app-state.js';
import { escapeHtml as h } from './format.js';

let current = null;

function route() {
  current?.dispose();
  current = null;
  const main = document.getElementById('app');
  main.replaceChildren();
  document.getElementById('banner').hidden = true;
  const path = decodeURI(location.pathname).replace(/\/+$/, '');
  const m = /^\/ui\/clusters\/([^/]+)$/.exec(location.pathname.replace(/\/+$/, ''));
  if (path === '/ui' || path === '/ui/clusters') {
    current = new ClustersView(main);
    document.title = 'Clusters · ECS emulator';
  } else if (m) {
    const name = decodeURIComponent(m[1]);
    current = new ClusterView(main, name);
    document.title = `${name} · ECS emulator`;
  } else {
    setCrumbs([['Clusters', '/ui']]);
    setClock(null);
    main.innerHTML = `<div class="notfound" data-testid="not-found"><h2>No such page</h2><p>${h(location.pathname)} is not a page of the dashboard.</p><p><a href="/ui" data-route>All clusters</a></p></div>`;
  }
  window.__dashboard.view = current;
}

window.__dashboard = {
  stats,
  view: null,
  instanceRects: () => current?.instanceRects?.() ?? [],
};

document.addEventListener('click', (e) => {
  const a = e.target.closest?.('a[data-route]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  history.pushState(null, '', a.getAttribute('href'));
  route();
});
window.addEventListener('popstate', route);
route();
