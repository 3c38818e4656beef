// Figures of the dashboard at a large cluster (run by `dotnet run -c Release --project tests/Emulator.Benchmarks -- --ui`,
// which prepares the cluster; or by hand against a running silo with EMULATOR_ENDPOINT and CLUSTER set).
// Prints progress lines and one "RESULT {json}" line; asserts nothing.
//
//   time to first render: navigation start -> the first snapshot drawn (the page's own mark), median of LOADS loads
//   per update: the page's own timings of each 1 Hz update: round trip (network + silo), JSON parse, drawing
//   stalls: PerformanceObserver('longtask') and the event-loop delay (a 100 ms timer's lateness) while updating
//   memory: Chromium's JS heap (CDP Performance.getMetrics) after a forced garbage collection, and DOM nodes
// DEPLOY names services that get forceNewDeployment once the page is up, so the updates measured move tasks;
// SCREENSHOT (a path) saves the viewport at the end; PROFILE=1 prints where the page's JavaScript spent its time.

import { openBrowser, endpoint, required } from './browser.mjs';

const cluster = required('CLUSTER');
const updates = Number(process.env.UPDATES ?? 60);
const loads = Number(process.env.LOADS ?? 5);
const deploy = (process.env.DEPLOY ?? '').split(',').filter(Boolean);

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : null; };
const summary = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

async function ecs(operation, body) {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${operation}: ${res.status} ${await res.text()}`);
  return res.json();
}

const b = await openBrowser({ width: 1440, height: 1000 });
try {
  const url = `${endpoint}/ui/clusters/${encodeURIComponent(cluster)}`;
  const firstRender = [], firstFrame = [];
  for (let k = 0; k < loads; k++) {
    await b.page.goto(url);
    await b.page.waitForFunction(() => window.__dashboard?.stats.firstFrameMs !== null, null, { timeout: 120_000, polling: 50 });
    const s = await b.page.evaluate(() => ({ r: window.__dashboard.stats.firstRenderMs, f: window.__dashboard.stats.firstFrameMs, n: window.__dashboard.instanceRects().length }));
    firstRender.push(s.r);
    firstFrame.push(s.f);
    console.log(`load ${k + 1}: first render ${s.r.toFixed(0)} ms, first frame ${s.f.toFixed(0)} ms, ${s.n} boxes`);
  }

  // Steady updates on the last load, with a rolling deployment moving tasks meanwhile.
  await b.page.evaluate(() => {
    window.__perf = { longTasks: [], maxGap: 0 };
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__perf.longTasks.push(e.duration); }).observe({ type: 'longtask' });
    // Event-loop delay: how late a 100 ms timer fires (what a click would wait). Not a requestAnimationFrame loop,
    // which would make Chromium produce frames continuously and load the page it measures.
    let due = performance.now() + 100;
    setInterval(() => { const now = performance.now(); window.__perf.maxGap = Math.max(window.__perf.maxGap, now - due); due = now + 100; }, 100);
    window.__perf.from = window.__dashboard.stats.updates.length;
    window.__perf.fromHistory = window.__dashboard.stats.history.length;
    window.__perf.t0 = performance.now();
  });
  const profiler = process.env.PROFILE ? await b.context.newCDPSession(b.page) : null;
  if (profiler) {
    await profiler.send('Profiler.enable');
    await profiler.send('Profiler.setSamplingInterval', { interval: 1000 });
    await profiler.send('Profiler.start');
  }
  for (const service of deploy) {
    await ecs('UpdateService', { cluster, service, forceNewDeployment: true });
    console.log(`forceNewDeployment of ${service}`);
  }
  await b.page.waitForFunction((n) => window.__dashboard.stats.updates.length - window.__perf.from >= n, updates, { timeout: updates * 10_000, polling: 500 });
  const run = await b.page.evaluate(() => ({
    samples: window.__dashboard.stats.updates.slice(window.__perf.from),
    history: window.__dashboard.stats.history.slice(window.__perf.fromHistory),
    seconds: (performance.now() - window.__perf.t0) / 1000,
    longTasks: window.__perf.longTasks,
    maxGap: window.__perf.maxGap,
  }));

  if (profiler) {
    // Self time per function of the page's JavaScript during the updates (PROFILE=1): where the main thread went.
    const { profile } = await profiler.send('Profiler.stop');
    const self = new Map();
    const dt = profile.timeDeltas ?? [];
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    (profile.samples ?? []).forEach((id, k) => {
      const n = byId.get(id);
      const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + (dt[k] ?? 0) / 1000);
    });
    for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`profile ${ms.toFixed(0).padStart(7)} ms  ${key}`);
  }

  if (process.env.SCREENSHOT) {
    await b.page.screenshot({ path: process.env.SCREENSHOT, fullPage: false });
    console.log(`screenshot ${process.env.SCREENSHOT}`);
  }

  const cdp = await b.context.newCDPSession(b.page);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('Performance.enable');
  const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));

  const main = run.samples.map((s) => s.parseMs + s.renderMs);
  const result = {
    loads,
    firstRender: summary(firstRender),
    firstFrame: summary(firstFrame),
    update: {
      count: run.samples.length,
      perSecond: run.samples.length / run.seconds,
      bytes: median(run.samples.map((s) => s.bytes)),
      tasks: run.samples.at(-1)?.tasks,
      instances: run.samples.at(-1)?.instances,
      mainMedian: median(main), mainP95: pct(main, 95), mainMax: Math.max(...main),
      renderMedian: median(run.samples.map((s) => s.renderMs)),
      parseMedian: median(run.samples.map((s) => s.parseMs)),
      fetchMedian: median(run.samples.map((s) => s.fetchMs)), fetchP95: pct(run.samples.map((s) => s.fetchMs), 95),
    },
    history: {
      count: run.history.length,
      fetchMedian: median(run.history.map((s) => s.fetchMs)),
      mainMedian: median(run.history.map((s) => s.parseMs + s.renderMs)),
    },
    longTasks: { count: run.longTasks.length, max: run.longTasks.length ? Math.max(...run.longTasks) : 0 },
    maxFrameGap: run.maxGap, // the event-loop delay
    heap: { used: metrics.JSHeapUsedSize, total: metrics.JSHeapTotalSize, nodes: metrics.Nodes },
    errors: b.errors,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  await b.close();
}
