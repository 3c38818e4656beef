// Every cluster of the emulator with its counts, capacity providers (CPR against the target) and accrued cost.

import { el, setHtml, sleep } from './dom.js';
import { getJson, clusterUrl } from './api.js';
import { num, pct, usd, escapeHtml as h } from './format.js';
import { setClock, setCrumbs } from './app-state.js';

export class ClustersView {
  constructor(root) {
    this.abort = new AbortController();
    setCrumbs([['Clusters', null]]);
    this.body = el('div', { 'data-testid': 'clusters' });
    root.append(el('section', {}, el('h1', {}, 'Clusters'), this.body));
    this.loop();
  }

  async loop() {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const r = await getJson('/emulator/ui/clusters', signal).catch(() => null);
      if (signal.aborted) return;
      if (!r?.ok) {
        setHtml(this.body, `<p class="error">${h(r?.error ?? 'The emulator did not answer.')}</p>`);
      } else {
        this.render(r.body);
      }
      await sleep(2000, signal);
    }
  }

  render(b) {
    setClock(b.nowMs, b.timeScale);
    if (b.clusters.length === 0) {
      setHtml(this.body, `<p class="muted" data-testid="no-clusters">No clusters yet. Create one, e.g. <code>aws --endpoint-url http://127.0.0.1:4577 ecs create-cluster --cluster-name demo</code>, `
        + `or play a scenario: <code>dotnet run --project src/Client -- scenario run scenarios/seed-talk-walkthrough.yaml</code>.</p>`);
      return;
    }
    const rows = b.clusters.map((c) => `<tr data-testid="cluster-row" data-cluster="${h(c.name)}">`
      + `<td><a href="${clusterUrl(c.name)}" data-route>${h(c.name)}</a></td><td>${h(c.status)}</td>`
      + `<td class="n">${num(c.instances)}${c.draining ? ` <small>(${c.draining} draining)</small>` : ''}${c.launching ? ` <small>+${c.launching} launching</small>` : ''}</td>`
      + `<td class="n">${num(c.running)}</td><td class="n">${num(c.pending)}</td><td class="n">${num(c.provisioning)}</td><td class="n">${num(c.services)}</td>`
      + `<td>${c.providers.map((p) => `${h(p.name)}${p.cpr !== undefined ? ` <span class="${p.cpr > p.target ? 'over' : ''}">CPR ${pct(p.cpr)}/${p.target}</span>` : ''}`).join('<br>') || '<span class="muted">none</span>'}</td>`
      + `<td class="n">${pct(c.cpuReservedPercent)}%</td><td class="n">${pct(c.memReservedPercent)}%</td>`
      + `<td class="n" data-testid="cluster-cost">${usd(c.cost)}</td></tr>`).join('');
    setHtml(this.body, `<table class="grid clusters"><thead><tr><th>cluster</th><th>status</th><th>instances</th><th>running</th><th>pending</th><th>PROVISIONING</th><th>services</th><th>capacity providers</th><th>CPU reserved</th><th>memory reserved</th><th>cost</th></tr></thead><tbody>${rows}</tbody></table>`);
  }

  dispose() {
    this.abort.abort();
  }
}
