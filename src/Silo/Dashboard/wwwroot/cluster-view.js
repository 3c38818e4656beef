// One cluster, live: capacity providers as lanes (N, M, CPR against the target, desired and in service, the CAS alarm,
// the PROVISIONING queue), the instance map, the selected instance's tasks, charts over emulated time, services with
// their deployments, and the event stream. The snapshot is polled once per wall second (never two requests in flight),
// the history every two seconds; Spot interruption warnings and deployment events come from a filtered event stream.

import { el, setText, setHtml, setClass, sleep } from './dom.js';
import { getJson, apiCluster } from './api.js';
import { num, pct, usd, clock, dateTime, shortId, escapeHtml as h } from './format.js';
import { taskStyles, serviceColour, STATES, INSTANCE, MARKERS } from './colours.js';
import { extent, layoutLane, chooseUnit, drawLane, cellAt, squareAt, prepareCanvas } from './instance-map.js';
import { LineChart } from './charts.js';
import { renderServices } from './services-panel.js';
import { EventsPanel } from './events-panel.js';
import { EventStream } from './sse.js';
import { stats, setClock, setCrumbs } from './app-state.js';

const UPDATE_MS = 1000;
const HISTORY_MS = 2000;
const WINDOWS = [[0, 'since the start'], [15, 'last 15 min'], [60, 'last hour'], [180, 'last 3 h'], [720, 'last 12 h'], [1440, 'last 24 h']];
const MARK_TYPES = ['EC2 Spot Instance Interruption Warning', 'EC2 Instance Rebalance Recommendation', 'ECS Deployment State Change'];

const ALARM_TEXT = { None: 'OK', High: 'AlarmHigh: ALARM', Low: 'AlarmLow: ALARM' };

export class ClusterView {
  constructor(root, name) {
    this.name = name;
    this.abort = new AbortController();
    this.snapshot = null;
    this.history = null;
    this.selected = null;
    this.detail = null;
    this.interrupted = new Map();
    this.streamMarkers = new Map();
    this.windowMinutes = 0;
    this.laneViews = new Map();
    setCrumbs([['Clusters', '/ui'], [name, null]]);

    this.notFound = el('div', { class: 'notfound', hidden: true, 'data-testid': 'not-found' });
    this.summary = el('section', { class: 'summary', 'data-testid': 'summary' });
    this.lanes = el('div', { class: 'lanes', 'data-testid': 'lanes' });
    this.detailPanel = el('aside', { class: 'detail', hidden: true, 'data-testid': 'instance-detail' });
    this.tip = el('div', { class: 'map-tip', hidden: true });
    this.chartsBox = el('div', { class: 'charts' });
    const windowSelect = el('select', { 'data-testid': 'chart-window', onchange: (e) => { this.windowMinutes = Number(e.target.value); this.fetchHistory(); } },
      WINDOWS.map(([m, label]) => el('option', { value: m, selected: m === this.windowMinutes }, label)));
    this.servicesBox = el('div', { class: 'services-box', 'data-testid': 'services' });
    this.eventsBox = el('div', { class: 'events-box' });
    this.content = el('div', { class: 'cluster', hidden: true },
      this.summary,
      el('section', { class: 'capacity' },
        el('h2', {}, 'Capacity', el('span', { class: 'legend', html: legendHtml() })),
        el('div', { class: 'capacity-body' }, this.lanes, this.detailPanel),
        this.tip),
      el('section', {}, el('h2', {}, 'Over emulated time', el('label', { class: 'window' }, 'window ', windowSelect),
        el('span', { class: 'legend', html: `<i class="mk" style="background:${MARKERS.chaos}"></i>chaos <i class="mk" style="background:${MARKERS.deployment}"></i>deployment <i class="mk" style="background:${MARKERS.spot}"></i>Spot warning` })), this.chartsBox),
      el('section', {}, el('h2', {}, 'Services'), this.servicesBox),
      el('section', {}, el('h2', {}, 'Events'), this.eventsBox));
    root.append(this.notFound, this.content);

    this.charts = new Map();
    for (const id of ['cpr', 'instances', 'tasks', 'requests', 'cost']) this.charts.set(id, new LineChart(this.chartsBox, id));

    this.resize = new ResizeObserver(() => { if (this.snapshot) this.drawMap(); });
    this.resize.observe(this.lanes);
    this.loop();
    this.historyLoop();
  }

  // ------------------------------------------------------------------ polling

  async loop() {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const started = performance.now();
      try {
        await this.update(signal);
      } catch (e) {
        if (signal.aborted) return;
        showError(`The dashboard failed to update: ${e.message}`);
        console.error(e);
      }
      const elapsed = performance.now() - started;
      await sleep(this.snapshot ? Math.max(50, UPDATE_MS - elapsed) : 2000, signal);
    }
  }

  async update(signal) {
    const r = await getJson(apiCluster(this.name), signal);
    if (signal.aborted) return;
    if (r.status === 404) {
      this.showNotFound(r.error);
      return;
    }
    if (!r.ok || !r.body) {
      showError(r.error ?? 'The emulator answered with an error.');
      return;
    }
    showError(null);
    if (r.body.v !== 1) {
      showError(`This page does not know snapshot format ${r.body.v}; reload the page.`);
      return;
    }
    const first = !this.snapshot;
    if (first) this.showContent(r.body.instances.reduce((n, i) => n + i.t.length, 0) + r.body.unplaced.reduce((n, u) => n + u.length, 0));
    const t0 = performance.now();
    this.render(r.body);
    const renderMs = performance.now() - t0;
    stats.record({ fetchMs: r.fetchMs, parseMs: r.parseMs, renderMs, bytes: r.bytes, tasks: this.taskCount, instances: r.body.instances.length });
    if (first) {
      stats.firstRenderMs = performance.now();
      requestAnimationFrame(() => setTimeout(() => { stats.firstFrameMs = performance.now(); }));
    }
    if (this.selected) await this.refreshDetail(signal);
  }

  async historyLoop() {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      if (this.snapshot) await this.fetchHistory();
      await sleep(HISTORY_MS, signal);
    }
  }

  async fetchHistory() {
    if (this.historyInFlight) return;
    this.historyInFlight = true;
    try {
      const r = await getJson(`${apiCluster(this.name)}/history?minutes=${this.windowMinutes}`, this.abort.signal);
      if (r.ok && r.body) {
        this.history = r.body;
        const t0 = performance.now();
        this.drawCharts();
        stats.recordHistory({ fetchMs: r.fetchMs, parseMs: r.parseMs, renderMs: performance.now() - t0, bytes: r.bytes });
      }
    } catch (e) {
      if (!this.abort.signal.aborted) console.error(e);
    } finally {
      this.historyInFlight = false;
    }
  }

  showNotFound(message) {
    this.snapshot = null;
    this.content.hidden = true;
    this.notFound.hidden = false;
    setHtml(this.notFound, `<h2>Cluster “${h(this.name)}” not found</h2>`
      + `<p>${h(message ?? 'The emulator has no cluster of that name.')}</p>`
      + `<p class="muted">It may not be created yet: this page checks again every two seconds and shows the cluster as soon as it exists. `
      + `Create it with <code>aws --endpoint-url http://127.0.0.1:4577 ecs create-cluster --cluster-name ${h(this.name)}</code> or a scenario.</p>`
      + `<p><a href="/ui" data-route>All clusters</a></p>`);
    setClock(null);
  }

  showContent(taskCount) {
    this.notFound.hidden = true;
    this.content.hidden = false;
    if (!this.events) {
      this.events = new EventsPanel(this.eventsBox, this.name, taskCount);
      const q = MARK_TYPES.map((t) => `detailType=${encodeURIComponent(t)}`).join('&');
      this.marks = new EventStream(`/emulator/events/${encodeURIComponent(this.name)}/stream?${q}`, { onEvent: (m) => this.mark(m) }).start();
    }
  }

  /** Spot interruption warnings mark their instance; they and deployment events become chart markers. */
  mark(m) {
    let e;
    try { e = JSON.parse(m.data); } catch { return; }
    const t = Date.parse(e.time);
    const d = e.detail ?? {};
    if (e['detail-type'] === 'EC2 Spot Instance Interruption Warning') {
      this.interrupted.set(d['instance-id'], t);
      this.streamMarkers.set(`spot:${d['instance-id']}`, { t, kind: 'spot', label: `Spot warning ${d['instance-id']}`, detail: `Spot interruption warning for ${d['instance-id']}` });
    } else if (e['detail-type'] === 'ECS Deployment State Change') {
      const kind = d.eventName === 'SERVICE_DEPLOYMENT_IN_PROGRESS' ? 'start' : (d.eventName ?? '').replace('SERVICE_DEPLOYMENT_', '');
      const key = `${d.deploymentId}:${kind}`;
      if (!this.streamMarkers.has(key)) {
        this.streamMarkers.set(key, { t, kind: 'deployment', key, label: `${shortId(e.resources?.[0])} ${d.deploymentId}`, detail: `${shortId(e.resources?.[0])}: ${d.eventName} ${d.deploymentId}` });
      }
    }
    this.marksChanged = true;
  }

  // ------------------------------------------------------------------ rendering

  render(s) {
    this.snapshot = s;
    this.styles = taskStyles(s.shapes);
    this.taskCount = s.instances.reduce((n, i) => n + i.t.length, 0) + s.unplaced.reduce((n, u) => n + u.length, 0);
    setClock(s.nowMs, s.timeScale);
    this.renderSummary(s);
    this.renderLanes(s);
    this.drawMap();
    renderServices(this.servicesBox, s);
    if (this.marksChanged && this.history) { this.marksChanged = false; this.drawCharts(); }
  }

  renderSummary(s) {
    const c = s.cluster;
    const cpuPct = c.registeredCpu ? (100 * c.reservedCpu) / c.registeredCpu : 0;
    const memPct = c.registeredMem ? (100 * c.reservedMem) / c.registeredMem : 0;
    setHtml(this.summary, `<h1>${h(c.name)} <span class="muted">${h(c.status)}</span></h1>`
      + `<div class="figures">`
      + fig('instances', num(c.instances), 'summary-instances')
      + fig('running tasks', num(c.running), 'summary-running')
      + fig('pending', num(c.pending), 'summary-pending')
      + fig('PROVISIONING', num(c.provisioning), 'summary-provisioning')
      + fig('services', num(c.services), 'summary-services')
      + fig('CPU reserved', `${pct(cpuPct)}%`, 'summary-cpu')
      + fig('memory reserved', `${pct(memPct)}%`, 'summary-mem')
      + fig('cost so far', usd(c.cost.total), 'summary-cost', `instances ${usd(c.cost.instances)} · Fargate ${usd(c.cost.fargate)}`)
      + `</div>`);
  }

  renderLanes(s) {
    const keys = s.lanes.map((l) => l.name).join('\n');
    if (keys !== this.laneKeys) {
      this.laneKeys = keys;
      this.laneViews.clear();
      this.lanes.replaceChildren();
      s.lanes.forEach((lane, index) => {
        const v = new LaneView(lane, index, this);
        this.laneViews.set(index, v);
        this.lanes.append(v.root);
      });
      if (s.lanes.length === 0) this.lanes.append(el('p', { class: 'muted' }, 'No capacity yet: associate capacity providers or register container instances.'));
    }
    s.lanes.forEach((lane, index) => this.laneViews.get(index).update(lane, s));
  }

  /** Lays out every lane at one scale (so boxes compare across lanes) and draws them. */
  drawMap() {
    const s = this.snapshot;
    if (!s) return;
    const width = Math.max(200, this.lanes.clientWidth - 2);
    const ext = extent(s);
    const perLane = s.lanes.map((_, k) => ({ instances: [], launching: [], unplaced: s.unplaced[k] ?? [] }));
    for (const i of s.instances) perLane[i.lane]?.instances.push(i);
    for (const i of s.launching) perLane[i.lane]?.launching.push(i);
    const budget = Math.max(320, window.innerHeight * 0.7);
    const unit = chooseUnit(perLane, width, budget, ext);
    this.unit = unit;
    perLane.forEach((l, k) => {
      const view = this.laneViews.get(k);
      if (!view) return;
      const layout = layoutLane(l.instances, l.launching, l.unplaced, unit, width, ext);
      view.layout = layout;
      const ctx = prepareCanvas(view.canvas, width, Math.max(layout.height, 1));
      view.canvas.hidden = layout.height === 0;
      const tasks = l.instances.reduce((n, i) => n + i.t.length, 0);
      view.canvas.setAttribute('aria-label', `${view.name}: ${l.instances.length} instances with ${tasks} tasks, ${l.launching.length} launching, ${l.unplaced.length} tasks without an instance`);
      drawLane(ctx, layout, s.shapes, this.styles, this.interrupted, this.selected);
    });
  }

  drawCharts() {
    const hst = this.history;
    if (!hst) return;
    const markers = hst.markers.slice();
    const keys = new Set(markers.map((m) => m.key).filter(Boolean));
    for (const m of this.streamMarkers.values()) if (!m.key || !keys.has(m.key)) markers.push(m);
    for (const chart of hst.charts) this.charts.get(chart.id)?.update(chart, markers, hst.from, hst.now);
  }

  // ------------------------------------------------------------------ the map's interactions

  cellAtEvent(view, e) {
    const r = view.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  click(view, e) {
    const p = this.cellAtEvent(view, e);
    const c = cellAt(view.layout, p.x, p.y);
    if (!c) return;
    this.select(c.kind === 'instance' ? c.ref.ci : c.ref.ec2);
  }

  async select(id) {
    this.selected = id;
    this.detail = null;
    this.drawMap();
    await this.refreshDetail(this.abort.signal);
  }

  hover(view, e) {
    const p = this.cellAtEvent(view, e);
    const c = cellAt(view.layout, p.x, p.y);
    const s = this.snapshot;
    let html = null;
    if (c?.kind === 'instance') {
      const i = c.ref;
      html = `<b>${h(i.ec2)}</b> ${h(i.type)}${i.spot ? ' Spot' : ''} · ${h(i.az)}<br>${h(i.status)}${i.asgState && i.asgState !== 'InService' ? ` · ${h(i.asgState)}` : ''}`
        + `${this.interrupted.has(i.ec2) ? ' · <b class="error">Spot interruption warning</b>' : ''}`
        + `<br>${num(i.t.length)} tasks · CPU ${num(i.ucpu)}/${num(i.cpu)} · memory ${num(i.umem)}/${num(i.mem)} MiB`;
    } else if (c?.kind === 'launching') {
      const i = c.ref;
      html = `<b>${h(i.ec2)}</b> ${h(i.type)}${i.spot ? ' Spot' : ''} · ${h(i.az)}<br>${i.state === 'Pending' ? 'launching (Pending)' : 'InService, ECS agent registering'} since ${clock(i.since)}`;
    } else {
      const k = squareAt(view.layout, p.x, p.y);
      if (k >= 0) {
        const code = view.layout.unplaced[k];
        const shape = s.shapes[code >> 4];
        const svc = shape.service >= 0 ? s.services[shape.service]?.name : shape.group;
        html = `<b>${h(svc)}</b> ${h(shape.td)}<br>${STATES[code & 7]}${code & 8 ? ' (desired STOPPED)' : ''} · ${shape.cpu} CPU / ${shape.mem} MiB`;
      }
    }
    if (!html) { this.tip.hidden = true; return; }
    this.tip.innerHTML = html;
    this.tip.hidden = false;
    const host = this.tip.parentElement.getBoundingClientRect();
    this.tip.style.left = `${Math.min(e.clientX - host.left + 14, host.width - 300)}px`;
    this.tip.style.top = `${e.clientY - host.top + 14}px`;
  }

  async refreshDetail(signal) {
    const s = this.snapshot;
    const id = this.selected;
    if (!s || !id) return;
    const instance = s.instances.find((i) => i.ci === id);
    const launching = instance ? null : s.launching.find((i) => i.ec2 === id);
    this.detailPanel.hidden = false;
    if (!instance && !launching) {
      setHtml(this.detailPanel, `<button class="close" data-close>×</button><h3>${h(id)}</h3><p class="muted">This instance is no longer in the cluster.</p>`);
      this.wireClose();
      return;
    }
    if (launching) {
      setHtml(this.detailPanel, `<button class="close" data-close>×</button><h3 data-testid="detail-title">${h(launching.ec2)}</h3>`
        + `<p>${h(launching.type)}${launching.spot ? ' (Spot)' : ''} · ${h(launching.az)}</p>`
        + `<p>${launching.state === 'Pending' ? 'Launching: the Auto Scaling group has it Pending.' : 'In service; the ECS agent has not registered yet.'} Since ${clock(launching.since)}.</p>`);
      this.wireClose();
      return;
    }
    const r = await getJson(`${apiCluster(this.name)}/instances/${encodeURIComponent(instance.ci)}`, signal);
    if (signal.aborted || this.selected !== id) return;
    if (!r.ok) {
      setHtml(this.detailPanel, `<button class="close" data-close>×</button><h3>${h(instance.ec2)}</h3><p class="error">${h(r.error)}</p>`);
      this.wireClose();
      return;
    }
    this.renderDetail(r.body, instance);
  }

  renderDetail(d, instance) {
    const s = this.snapshot;
    const spotWarning = this.interrupted.get(d.ec2);
    const rows = d.tasks.map((t) => {
      const svcIndex = s.services.findIndex((v) => v.name === t.service);
      return `<tr data-testid="instance-task" class="${t.lastStatus === 'STOPPED' ? 'stopped' : ''}" data-task="${h(t.id)}">`
        + `<td><i class="swatch" style="background:${serviceColour(svcIndex, t.group)}"></i>${h(t.service ?? t.group)}</td>`
        + `<td title="${h(t.arn)}">${h(t.id.slice(0, 8))}…</td><td>${h(t.taskDefinition)}</td>`
        + `<td>${h(t.lastStatus)}${t.desiredStatus !== 'RUNNING' && t.lastStatus !== 'STOPPED' ? ` → ${h(t.desiredStatus)}` : ''}</td>`
        + `<td class="n">${num(t.cpu)}</td><td class="n">${num(t.mem)}</td>`
        + `<td>${t.startedAt ? clock(t.startedAt) : '–'}</td>`
        + `<td class="muted">${h(t.stopCode ?? '')}${t.stoppedReason ? `: ${h(t.stoppedReason)}` : ''}</td></tr>`;
    }).join('');
    const live = d.tasks.filter((t) => t.lastStatus !== 'STOPPED').length;
    setHtml(this.detailPanel, `<button class="close" data-close title="close">×</button>`
      + `<h3 data-testid="detail-title">${h(d.ec2)}</h3>`
      + `<p>${h(d.type)}${d.spot ? ' · <b>Spot</b>' : ''} · ${h(d.az)} · ${h(d.provider ?? 'no capacity provider')}${d.asg ? ` · ${h(d.asg)}` : ''}</p>`
      + `<p>status <b data-testid="detail-status">${h(d.status)}</b>${d.agent ? '' : ' · agent disconnected'}${instance.asgState ? ` · ASG ${h(instance.asgState)}` : ''}`
      + `${instance.protected ? ' · protected from scale-in' : ''}${spotWarning ? ` · <b class="error">Spot interruption warning at ${clock(spotWarning)}</b>` : ''}</p>`
      + `<p class="muted">container instance ${h(d.ci)} · registered ${dateTime(d.registeredAt)}</p>`
      + meter('CPU', d.ucpu, d.cpu, 'units') + meter('memory', d.umem, d.mem, 'MiB')
      + `<p><b data-testid="detail-task-count">${live}</b> task${live === 1 ? '' : 's'} (${d.running} running, ${d.pending} pending)${d.stoppedKept ? `, ${d.stoppedKept} stopped in the last hour` : ''}</p>`
      + (d.tasks.length ? `<table class="grid tasks"><thead><tr><th>service / group</th><th>task</th><th>definition</th><th>status</th><th>CPU</th><th>MiB</th><th>started</th><th>stopped</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No tasks.</p>'));
    this.wireClose();
  }

  wireClose() {
    const b = this.detailPanel.querySelector('[data-close]');
    if (b && !b._wired) {
      b._wired = true;
      b.addEventListener('click', () => {
        this.selected = null;
        this.detailPanel.hidden = true;
        this.drawMap();
      });
    }
  }

  /** Every box of the map in page coordinates (for tests and the measurement). */
  instanceRects() {
    const out = [];
    for (const view of this.laneViews.values()) {
      if (!view.layout) continue;
      const r = view.canvas.getBoundingClientRect();
      for (const c of view.layout.cells) {
        out.push({ lane: view.name, kind: c.kind, ci: c.ref.ci ?? null, ec2: c.ref.ec2, tasks: c.ref.t?.length ?? 0, status: c.ref.status ?? c.ref.state,
          interrupted: this.interrupted.has(c.ref.ec2),
          x: r.left + window.scrollX + c.x, y: r.top + window.scrollY + c.y, w: c.w, h: c.h });
      }
    }
    return out;
  }

  dispose() {
    this.abort.abort();
    this.resize.disconnect();
    this.events?.dispose();
    this.marks?.stop();
  }
}

/** One capacity provider (or launch type) lane: its figures in DOM, its instances on a canvas. */
class LaneView {
  constructor(lane, index, view) {
    this.name = lane.name;
    this.index = index;
    this.head = el('div', { class: 'lane-head' });
    this.stats = el('div', { class: 'lane-stats' });
    this.explain = el('div', { class: 'lane-explain muted' });
    this.canvas = el('canvas', { class: 'lane-map', role: 'img', 'data-testid': 'lane-map', 'data-lane': lane.name });
    this.spark = el('canvas', { class: 'spark', width: 90, height: 22, title: 'the latest CapacityProviderReservation datapoints' });
    // The highest of those datapoints: at a high time scale a CPR of 133.3 may last less than a wall second.
    this.peak = el('span', { class: 'stat peak', title: 'highest of the latest CapacityProviderReservation datapoints (the alarm evaluation window)' },
      el('label', {}, 'recent peak'), el('b', { 'data-testid': 'lane-cpr-peak' }));
    this.root = el('div', { class: 'lane', 'data-testid': 'lane', 'data-lane': lane.name }, this.head, this.stats, this.explain, this.canvas);
    this.canvas.addEventListener('click', (e) => view.click(this, e));
    this.canvas.addEventListener('mousemove', (e) => view.hover(this, e));
    this.canvas.addEventListener('mouseleave', () => { view.tip.hidden = true; });
  }

  update(l, s) {
    const badges = [];
    if (l.type === 'ASG') badges.push(`ASG ${h(l.asg)}`);
    else if (!l.provider) badges.push(l.type === 'EC2' ? 'EC2 launch type / no capacity provider' : `${h(l.type)} launch type`);
    else badges.push(h(l.type));
    if (l.managedScaling !== undefined) badges.push(l.managedScaling ? `managed scaling · target ${l.targetCapacity}%` : 'managed scaling off');
    if (l.managedTerminationProtection) badges.push('termination protection');
    if (l.managedDraining) badges.push('managed draining');
    if (l.group?.instanceTypes?.length) badges.push(h(l.group.instanceTypes.join(', ')));
    if (l.defaultStrategy) badges.push(`default strategy: weight ${l.defaultStrategy.weight}${l.defaultStrategy.base ? ` base ${l.defaultStrategy.base}` : ''}`);
    setHtml(this.head, `<span class="lane-name">${h(l.name)}</span>${badges.map((b) => `<span class="badge">${b}</span>`).join('')}`);

    const parts = [];
    const cas = l.cas;
    if (cas) {
      const over = cas.cpr > (l.targetCapacity ?? 100);
      const under = cas.cpr < (l.targetCapacity ?? 100);
      parts.push(stat('N', num(cas.n), 'lane-n', 'instances in service (B-CAS-1)'));
      parts.push(stat('M', num(cas.m), 'lane-m', 'instances needed (B-CAS-2)'));
      parts.push(`<span class="stat cpr ${over ? 'over' : under ? 'under' : 'at'}" title="CapacityProviderReservation = M / N x 100 (B-CAS-3), evaluated ${clock(cas.evaluatedAt)}"><label>CPR</label><b data-testid="lane-cpr">${pct(cas.cpr)}</b><small> / ${l.targetCapacity}</small></span>`);
      parts.push(`<span class="stat alarm-${(cas.alarm ?? 'None').toLowerCase()}" title="the CAS alarms (AlarmHigh: latest datapoint above the target; AlarmLow: 15 below)"><label>alarm</label><b data-testid="lane-alarm">${h(ALARM_TEXT[cas.alarm] ?? cas.alarm)}</b></span>`);
    }
    if (l.group) {
      parts.push(stat('desired', num(l.group.desired), 'lane-desired', `Auto Scaling group desired capacity (min ${l.group.min}, max ${l.group.max})`, `${l.group.min}–${l.group.max}`));
      parts.push(stat('in service', num(l.group.inService), 'lane-in-service', 'EC2 instances InService in the group'));
      if (l.group.pending) parts.push(stat('launching', num(l.group.pending), 'lane-launching', 'EC2 instances Pending'));
      if (l.group.terminating) parts.push(stat('terminating', num(l.group.terminating), 'lane-terminating', 'Terminating (managed draining waits in Terminating:Wait)'));
    }
    if (l.managed) {
      parts.push(stat('launched', num(l.managed.launched), 'lane-mi-launched', 'instances the Managed Instances manager launched (B-MI-2)'));
      parts.push(stat('taken out', num(l.managed.terminated), 'lane-mi-terminated', 'instances consolidated or handed back (B-MI-3, B-MI-4)'));
    }
    if (l.type === 'ASG' || l.type === 'EC2' || l.type === 'MANAGED_INSTANCES') {
      parts.push(stat('instances', num(l.instances), 'lane-instances', 'registered container instances', l.draining ? `${l.draining} draining` : null));
      parts.push(stat('PROVISIONING', num(l.queued), 'lane-queued', 'tasks waiting for capacity in this provider (B-PQ-1)'));
    }
    parts.push(stat('running', num(l.running), 'lane-running', 'tasks RUNNING'));
    if (l.provider) parts.push(stat('cost', usd(l.cost), 'lane-cost', 'accrued cost (B-IT-5)'));
    for (const a of l.alarms ?? []) parts.push(`<span class="stat alarm-${h(String(a.state).toLowerCase())}"><label>${h(a.name)}</label><b>${h(a.state)}</b></span>`);
    setHtml(this.stats, parts.join(''));
    if (cas?.datapoints?.length) {
      if (this.spark.parentElement !== this.stats) this.stats.append(this.spark, this.peak); // setHtml replaced the figures
      sparkline(this.spark, cas.datapoints, l.targetCapacity ?? 100);
      setText(this.peak.querySelector('b'), pct(Math.max(...cas.datapoints)));
    }
    setText(this.explain, cas?.explanation ?? l.managed?.decision ?? '');
    setClass(this.root, 'fargate', l.type.startsWith('FARGATE'));
  }
}

function stat(label, value, testid, title, note) {
  return `<span class="stat" title="${h(title ?? '')}"><label>${h(label)}</label><b data-testid="${testid}">${value}</b>${note ? `<small>${h(note)}</small>` : ''}</span>`;
}

function fig(label, value, testid, note) {
  return `<div class="fig"><label>${h(label)}</label><b data-testid="${testid}">${value}</b>${note ? `<small>${h(note)}</small>` : ''}</div>`;
}

function meter(label, used, total, unit) {
  const p = total ? Math.min(100, (100 * used) / total) : 0;
  return `<div class="meter"><label>${h(label)}</label><span class="bar"><span class="run" style="width:${p.toFixed(1)}%"></span></span> ${num(used)} / ${num(total)} ${unit}</div>`;
}

function sparkline(canvas, values, target) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width, hgt = canvas.height;
  ctx.clearRect(0, 0, w, hgt);
  const max = Math.max(target * 1.2, ...values);
  const y = (v) => hgt - 2 - (v / max) * (hgt - 4);
  ctx.strokeStyle = '#adb5bd';
  ctx.setLineDash([2, 2]);
  ctx.beginPath();
  ctx.moveTo(0, Math.round(y(target)) + 0.5);
  ctx.lineTo(w, Math.round(y(target)) + 0.5);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.strokeStyle = '#1c7ed6';
  ctx.beginPath();
  values.forEach((v, k) => {
    const x = values.length === 1 ? w / 2 : (k / (values.length - 1)) * (w - 2) + 1;
    if (k === 0) ctx.moveTo(x, y(v)); else ctx.lineTo(x, y(v));
  });
  ctx.stroke();
}

function legendHtml() {
  return `<i class="sw" style="background:hsl(212 62% 48%)"></i>running `
    + `<i class="sw" style="background:hsl(212 70% 82%)"></i>starting `
    + `<i class="sw" style="background:hsl(212 35% 26%)"></i>stopping `
    + `<i class="sw box" style="border-color:${INSTANCE.draining}"></i>DRAINING `
    + `<i class="sw box" style="border-color:${INSTANCE.interrupted}"></i>Spot interruption warning `
    + `<i class="sw tri"></i>Spot `
    + `<i class="sw box dashed" style="border-color:${INSTANCE.launching}"></i>launching · `
    + `<span class="muted" title="Each box is an instance: width = registered CPU, height = registered memory, both to the scale of the largest instance. Upper bar: CPU, lower bar: memory; each task is a block as long as its share of the instance, so a bar reaching the right edge is the resource that binds. Squares under the boxes: the PROVISIONING queue (or Fargate tasks).">box: upper bar CPU, lower bar memory ⓘ</span>`;
}

function showError(message) {
  const b = document.getElementById('banner');
  if (!message) { b.hidden = true; return; }
  b.textContent = message;
  b.hidden = false;
}
