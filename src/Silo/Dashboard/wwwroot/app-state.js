// Page-wide state: the header's emulated clock and breadcrumbs, and the page's own performance figures, exposed as
// window.__dashboard for the browser tests and the measurement (time to first render, per-update timings).

import { el } from './dom.js';
import { dateTime } from './format.js';

const MAX_SAMPLES = 600;

export const stats = {
  firstRenderMs: null,
  firstFrameMs: null,
  updates: [],
  history: [],
  record(sample) {
    this.updates.push({ at: performance.now(), ...sample });
    if (this.updates.length > MAX_SAMPLES) this.updates.shift();
  },
  recordHistory(sample) {
    this.history.push({ at: performance.now(), ...sample });
    if (this.history.length > MAX_SAMPLES) this.history.shift();
  },
};

let clockBase = null;

/** The emulated time of the latest answer; the header extrapolates it with the time scale between answers. */
export function setClock(nowMs, timeScale) {
  clockBase = nowMs === null || nowMs === undefined ? null : { nowMs, timeScale, wall: performance.now() };
  tick();
}

function tick() {
  const c = document.getElementById('clock');
  if (!c) return;
  if (!clockBase) { c.textContent = ''; return; }
  const now = clockBase.nowMs + (performance.now() - clockBase.wall) * clockBase.timeScale;
  c.textContent = `${dateTime(now)} UTC · ${clockBase.timeScale}x`;
}

setInterval(tick, 250);

export function setCrumbs(items) {
  const nav = document.getElementById('crumbs');
  nav.replaceChildren(...items.flatMap(([label, href], k) => [
    k ? el('span', { class: 'sep' }, '/') : null,
    href ? el('a', { href, 'data-route': true }, label) : el('span', { 'data-testid': 'crumb-current' }, label),
  ]).filter(Boolean));
}
