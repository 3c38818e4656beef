// Number and time formatting shared by the views. Times are emulated, in UTC, as the emulator reports them.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const num = (n) => (n === undefined || n === null ? '–' : integer.format(n));

/** A percentage such as CapacityProviderReservation: one decimal, no trailing ".0" (133.3, 100, 50). */
export function pct(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–';
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

export function usd(n) {
  if (n === undefined || n === null) return '–';
  if (n === 0) return '$0';
  if (Math.abs(n) < 0.01) return '$' + n.toFixed(4);
  if (Math.abs(n) < 100) return '$' + n.toFixed(2);
  return '$' + integer.format(n);
}

const two = (n) => String(n).padStart(2, '0');

/** HH:MM:SS of an emulated instant (ms since the epoch, UTC). */
export function clock(ms) {
  if (ms === undefined || ms === null) return '–';
  const d = new Date(ms);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** HH:MM for chart axes. */
export function hhmm(ms) {
  const d = new Date(ms);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

export function dateTime(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${clock(ms)}`;
}

/** A duration in emulated seconds as "45s", "3m 10s", "2h 05m". */
export function duration(seconds) {
  if (seconds === undefined || seconds === null || Number.isNaN(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
}

/** The last part of an ARN, or the id itself. */
export function shortId(arnOrId) {
  if (!arnOrId) return '';
  const slash = arnOrId.lastIndexOf('/');
  return slash >= 0 ? arnOrId.slice(slash + 1) : arnOrId;
}

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
