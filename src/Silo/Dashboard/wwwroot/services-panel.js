// Services: desired, running and pending (B-SV-*), the deployments of each with their progress (B-DP-1: PRIMARY and
// ACTIVE, rollout state, tasks of each deployment running and pending, failed tasks), the latest service events, and
// the service's auto scaling state when the snapshot carries one (Application Auto Scaling, B-AS-*: a hook filled in
// once the emulator has scalable targets; until then the column says "none").

import { setHtml } from './dom.js';
import { escapeHtml as h, num, usd, clock, duration } from './format.js';
import { serviceColour } from './colours.js';

function bar(running, pending, desired) {
  const d = Math.max(desired, running + pending, 1);
  const r = (100 * running) / d, p = (100 * pending) / d;
  return `<span class="bar" title="${running} running, ${pending} pending of ${desired}"><span class="run" style="width:${r.toFixed(1)}%"></span><span class="pend" style="width:${p.toFixed(1)}%"></span></span>`;
}

/** Renders whatever auto scaling state the service reports (min/max, policies, alarms, latest activity). */
export function autoScaling(a) {
  if (!a) return '<span class="muted">none</span>';
  const parts = [];
  if (a.minCapacity !== undefined || a.maxCapacity !== undefined) parts.push(`${num(a.minCapacity)}–${num(a.maxCapacity)}`);
  for (const p of a.policies ?? []) parts.push(`${h(p.name ?? p.policyName ?? 'policy')}${p.targetValue !== undefined ? ` target ${h(p.targetValue)}` : ''}${p.type ? ` (${h(p.type)})` : ''}`);
  for (const al of a.alarms ?? []) parts.push(`<span class="alarm alarm-${h(String(al.state ?? '').toLowerCase())}">${h(al.name ?? al.alarmName)} ${h(al.state ?? '')}</span>`);
  if (a.lastActivity) parts.push(`<span class="muted">${h(a.lastActivity.description ?? a.lastActivity.statusMessage ?? '')}</span>`);
  if (!parts.length) parts.push(h(JSON.stringify(a)));
  return parts.join('<br>');
}

// B-DP-6 / B-DP-7: the latest blue/green, linear or canary deployment: stage, production weights blue | green (and test
// traffic), step k of n, the countdown of the bake or hook it waits on, and its hooks.
function trafficShift(t, nowMs) {
  if (!t) return '';
  const green = Number(t.productionGreen), blue = 100 - green;
  const wait = t.waitUntil !== undefined && t.result === 'IN_PROGRESS' ? ` · next in ${duration(Math.max(0, (t.waitUntil - nowMs) / 1000))}` : '';
  const hooks = (t.hooks ?? []).map((k) => `<span class="hook hook-${h(String(k.status).toLowerCase())}">${h(k.type)} ${h(k.stage)} ${h(k.status)}${k.status === 'AWAITING_ACTION' ? ` (hookId ${h(k.id)})` : ''}</span>`).join(' ');
  return `<div class="shift shift-${h(String(t.result).toLowerCase())}" data-testid="traffic-shift">`
    + `<b>${h(t.strategy)}</b> <span class="stage">${h(t.stage)}</span> · ${h(t.result)}`
    + ` · production <span class="blue">${h(t.blue)} ${num(blue)} %</span> | <span class="green">${h(t.green)} ${num(green)} %</span>`
    + `${t.testGreen ? ' · test traffic on green' : ''}${t.steps > 1 && t.step >= 0 ? ` · step ${num(t.step + 1)} of ${num(t.steps)}` : ''}${wait}`
    + `${hooks ? ` · ${hooks}` : ''}${t.reason ? ` · <span class="muted">${h(t.reason)}</span>` : ''}</div>`;
}

export function renderServices(container, snapshot) {
  const rows = snapshot.services.map((s, k) => {
    const strategy = s.strategy.length ? s.strategy.map((i) => `${h(i.provider)} w${i.weight}${i.base ? ` b${i.base}` : ''}`).join(', ') : h(s.launchType ?? 'cluster default');
    const byProvider = Object.entries(s.runningByProvider).map(([p, n]) => `${h(p)} ${num(n)}`).join(', ');
    const deployments = s.deployments.map((d) => {
      const running = d.tasksRunning ?? d.running, pending = d.tasksPending ?? d.pending;
      const age = (snapshot.nowMs - d.createdAt) / 1000;
      return `<div class="dep dep-${h(d.rollout.toLowerCase())}" data-testid="deployment" data-deployment="${h(d.id)}">`
        + `<b>${h(d.status)}</b> ${h(d.id)} · ${h(d.taskDefinition)} · <span class="rollout">${h(d.rollout)}</span> `
        + `${bar(running, pending, d.desired)} ${num(running)} running, ${num(pending)} pending${d.status === 'PRIMARY' ? ` of ${num(d.desired)}` : ''}`
        + `${d.failed ? `, <span class="error">${num(d.failed)} failed</span>` : ''} · started ${clock(d.createdAt)} (${duration(age)} ago)`
        + `${d.reason ? ` · <span class="muted">${h(d.reason)}</span>` : ''}</div>`;
    }).join('');
    const shift = trafficShift(s.trafficShift, snapshot.nowMs);
    const events = s.events.slice(0, 2).map((e) => `<div class="svc-event"><time>${clock(e.t)}</time> ${h(e.message)}</div>`).join('');
    return `<tr class="svc" data-testid="service" data-service="${h(s.name)}">`
      + `<td><i class="swatch" style="background:${serviceColour(k, '')}"></i><b>${h(s.name)}</b>${s.status !== 'ACTIVE' ? ` <span class="muted">${h(s.status)}</span>` : ''}</td>`
      + `<td class="n">${num(s.desired)}</td><td class="n">${num(s.running)}</td><td class="n">${num(s.pending)}</td>`
      + `<td>${bar(s.running, s.pending, s.desired)}</td>`
      + `<td>${s.steady ? '<span class="ok">steady</span>' : '<span class="muted">changing</span>'}</td>`
      + `<td>${h(s.taskDefinition)}</td><td>${h(s.placement.join(', ') || 'spread(AZ), spread(instance)')}</td>`
      + `<td>${strategy}${byProvider ? `<div class="muted">running: ${byProvider}</div>` : ''}</td>`
      + `<td class="n">${usd(s.cost)}</td><td data-testid="service-autoscaling">${autoScaling(s.autoScaling)}</td></tr>`
      + `<tr class="svc-detail"><td colspan="11">${shift}${deployments}${events}</td></tr>`;
  }).join('');
  setHtml(container, snapshot.services.length === 0
    ? '<p class="muted">No services in this cluster.</p>'
    : `<table class="grid services"><thead><tr><th>service</th><th>desired</th><th>running</th><th>pending</th><th></th><th>state</th><th>task definition</th><th>placement</th><th>capacity provider strategy</th><th>cost</th><th>auto scaling</th></tr></thead><tbody>${rows}</tbody></table>`);
}
