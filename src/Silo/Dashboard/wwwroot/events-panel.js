// The live event stream of a cluster (B-EV-1..3) with the filters of `client events`: detail types (any of), a
// resource ARN substring, a start time (emulated, ISO 8601), and follow (live) or backlog only. Events arrive as
// server-sent events from /emulator/events/{cluster}/stream; they are buffered and shown four times a second, newest
// first, the newest 500 kept, so a burst of thousands of task state changes does not stall the page.

import { el, setText } from './dom.js';
import { EventStream } from './sse.js';
import { clock, shortId, escapeHtml } from './format.js';

export const DETAIL_TYPES = [
  'ECS Task State Change',
  'ECS Container Instance State Change',
  'ECS Service Action',
  'ECS Deployment State Change',
  'EC2 Spot Instance Interruption Warning',
  'EC2 Instance Rebalance Recommendation',
  'EC2 Instance Launch Successful',
  'EC2 Instance Launch Unsuccessful',
  'EC2 Instance Terminate Successful',
  'Emulator CapacityProviderReservation',
];

const MAX_ROWS = 500;


/** Above this many tasks the panel starts without task state changes (thousands a second during a deployment). */
export const LARGE_CLUSTER_TASKS = 1000;

const TASK_STATE_CHANGE = 'ECS Task State Change';

const TYPE_CLASS = {
  'ECS Task State Change': 'ev-task',
  'ECS Container Instance State Change': 'ev-instance',
  'ECS Service Action': 'ev-service',
  'ECS Deployment State Change': 'ev-deployment',
  'EC2 Spot Instance Interruption Warning': 'ev-spot',
  'EC2 Instance Rebalance Recommendation': 'ev-spot',
  'EC2 Instance Launch Successful': 'ev-ec2',
  'EC2 Instance Launch Unsuccessful': 'ev-bad',
  'EC2 Instance Terminate Successful': 'ev-ec2',
  'Emulator CapacityProviderReservation': 'ev-cas',
};

/** One line saying what the event is about, from its EventBridge detail. */
export function summarize(e) {
  const d = e.detail ?? {};
  switch (e['detail-type']) {
    case 'ECS Task State Change':
      return `task ${shortId(d.taskArn)} ${d.lastStatus}${d.desiredStatus && d.desiredStatus !== d.lastStatus ? ` → ${d.desiredStatus}` : ''} · ${d.group ?? ''}`
        + (d.stopCode ? ` · ${d.stopCode}: ${d.stoppedReason ?? ''}` : '');
    case 'ECS Container Instance State Change':
      return `${d.ec2InstanceId ?? shortId(d.containerInstanceArn)} ${d.status}${d.agentConnected === false ? ' (agent disconnected)' : ''} · ${d.runningTasksCount ?? 0} running`;
    case 'ECS Service Action':
      return `${shortId(e.resources?.[0])} ${d.eventName ?? ''}`;
    case 'ECS Deployment State Change':
      return `${shortId(e.resources?.[0])} ${d.eventName ?? ''} ${d.deploymentId ?? ''}${d.reason ? ` · ${d.reason}` : ''}`;
    case 'EC2 Spot Instance Interruption Warning':
      return `${d['instance-id']} will be interrupted (${d['instance-action'] ?? 'terminate'})`;
    case 'EC2 Instance Rebalance Recommendation':
      return `${d['instance-id']} is at elevated risk of interruption`;
    default: {
      const parts = Object.entries(d).filter(([, v]) => typeof v !== 'object').slice(0, 6).map(([k, v]) => `${k} ${v}`);
      return parts.join(' · ') || (e.resources ?? []).map(shortId).join(', ');
    }
  }
}

export class EventsPanel {
  /** taskCount: the cluster's size when the panel opens; a large cluster starts with task state changes unchecked. */
  constructor(container, cluster, taskCount = 0) {
    this.cluster = cluster;
    this.buffer = [];
    this.received = 0;
    this.paused = false;

    const large = taskCount > LARGE_CLUSTER_TASKS;
    this.types = DETAIL_TYPES.map((t) => el('label', { class: 'chk' }, el('input', { type: 'checkbox', value: t, 'data-testid': 'event-type', checked: large && t !== TASK_STATE_CHANGE }), t));
    this.note = large
      ? el('p', { class: 'muted note' }, `This cluster runs ${taskCount.toLocaleString('en-US')} tasks: task state changes are left out until you check them.`)
      : null;
    this.resource = el('input', { type: 'text', placeholder: 'ARN or id substring', size: 28, 'data-testid': 'event-resource' });
    this.since = el('input', { type: 'text', placeholder: 'e.g. 2026-01-01T00:05:00Z', size: 22, 'data-testid': 'event-since' });
    this.follow = el('input', { type: 'checkbox', checked: true, 'data-testid': 'event-follow' });
    const apply = el('button', { type: 'submit', 'data-testid': 'event-apply' }, 'Apply');
    this.pauseButton = el('button', { type: 'button', onclick: () => this.togglePause() }, 'Pause');
    const clear = el('button', { type: 'button', onclick: () => { this.list.replaceChildren(); this.buffer = []; } }, 'Clear');
    this.state = el('span', { class: 'muted', 'data-testid': 'event-state' });
    this.list = el('ol', { class: 'events', 'data-testid': 'events' });
    const form = el('form', { class: 'event-filters', onsubmit: (e) => { e.preventDefault(); this.connect(); } },
      el('fieldset', {}, el('legend', {}, 'detail-type (none checked: all)'), el('div', { class: 'types' }, this.types)),
      el('div', { class: 'row' },
        el('label', {}, 'resource ', this.resource),
        el('label', {}, 'since ', this.since),
        el('label', { class: 'chk' }, this.follow, 'follow live'),
        apply, this.pauseButton, clear, this.state));
    container.append(form, ...(this.note ? [this.note] : []), this.list);
    this.flushTimer = setInterval(() => this.flush(), 250);
    this.connect();
  }

  /** The stream address for the current filters: the query parameters of `client events`. */
  url() {
    const q = new URLSearchParams();
    for (const box of this.types) if (box.querySelector('input').checked) q.append('detailType', box.querySelector('input').value);
    if (this.resource.value.trim()) q.set('resource', this.resource.value.trim());
    if (this.since.value.trim()) q.set('since', this.since.value.trim());
    if (!this.follow.checked) q.set('follow', 'false');
    const qs = q.toString();
    return `/emulator/events/${encodeURIComponent(this.cluster)}/stream${qs ? '?' + qs : ''}`;
  }

  connect() {
    this.stream?.stop();
    this.list.replaceChildren();
    this.buffer = [];
    this.received = 0;
    this.stream = new EventStream(this.url(), {
      follow: this.follow.checked,
      onEvent: (m) => this.push(m),
      onState: (state, message) => {
        this.streamState = state;
        setText(this.state, message ? `${state}: ${message}` : state);
        this.state.className = state === 'error' ? 'error' : 'muted';
      },
    }).start();
  }

  push(m) {
    this.received++;
    if (this.paused) return;
    this.buffer.push(m);
    if (this.buffer.length > 2 * MAX_ROWS) this.buffer.splice(0, this.buffer.length - MAX_ROWS);
  }

  togglePause() {
    this.paused = !this.paused;
    this.pauseButton.textContent = this.paused ? 'Resume' : 'Pause';
  }

  flush() {
    if (this.streamState === 'open' || this.streamState === 'ended') {
      setText(this.state, `${this.streamState === 'open' ? 'live' : 'backlog read'} · ${this.received.toLocaleString('en-US')} events`
        + `${this.received > MAX_ROWS ? ` (the newest ${MAX_ROWS} listed)` : ''}${this.paused ? ' · paused' : ''}`);
    }
    if (!this.buffer.length) return;
    const batch = this.buffer.length > MAX_ROWS ? this.buffer.slice(-MAX_ROWS) : this.buffer;
    this.buffer = [];
    const frag = document.createDocumentFragment();
    for (let k = batch.length - 1; k >= 0; k--) {
      let e;
      try {
        e = JSON.parse(batch[k].data);
      } catch {
        continue;
      }
      frag.append(this.row(e, batch[k].id));
    }
    this.list.prepend(frag);
    while (this.list.childElementCount > MAX_ROWS) this.list.lastElementChild.remove();
  }

  row(e, id) {
    const type = e['detail-type'];
    const li = el('li', { class: `event ${TYPE_CLASS[type] ?? ''}`, 'data-testid': 'event', 'data-detail-type': type, 'data-id': id ?? '' });
    li.innerHTML = `<time>${escapeHtml(e.time?.slice(11, 19) ?? clock(Date.parse(e.time)))}</time><span class="type">${escapeHtml(type)}</span><span class="what">${escapeHtml(summarize(e))}</span>`;
    li.addEventListener('click', () => {
      const open = li.querySelector('pre');
      if (open) open.remove();
      else li.append(el('pre', { text: JSON.stringify(e, null, 2) }));
    });
    return li;
  }

  dispose() {
    this.stream?.stop();
    clearInterval(this.flushTimer);
  }
}
