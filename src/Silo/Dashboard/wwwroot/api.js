// Fetches the silo's JSON views and times each step (network + server, parse), for the page's own figures.

export async function getJson(url, signal) {
  const t0 = performance.now();
  let res;
  try {
    res = await fetch(url, { signal, cache: 'no-store', headers: { accept: 'application/json' } });
  } catch (e) {
    if (signal?.aborted) throw e;
    return { ok: false, status: 0, body: null, error: `The emulator did not answer (${e.message}). Is the silo running?`, fetchMs: performance.now() - t0, parseMs: 0 };
  }
  const text = await res.text();
  const t1 = performance.now();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const t2 = performance.now();
  const error = res.ok ? null : (body?.message ?? `HTTP ${res.status}`);
  return { ok: res.ok, status: res.status, body, error, fetchMs: t1 - t0, parseMs: t2 - t1, bytes: text.length };
}

export const clusterUrl = (name) => `/ui/clusters/${encodeURIComponent(name)}`;
export const apiCluster = (name) => `/emulator/ui/clusters/${encodeURIComponent(name)}`;
