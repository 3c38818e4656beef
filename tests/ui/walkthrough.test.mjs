// The seed talk's walk-through plays while the dashboard watches (issue 15): the walk-cp lane shows CPR 133.3 and
// then 4 instances. Run by tests/Emulator.Tests/Wire/DashboardBrowserTests.cs, which plays the scenario meanwhile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, endpoint, required } from './browser.mjs';

const cluster = required('CLUSTER');
const provider = required('PROVIDER');

test('seed walk-through: the lane shows CPR 133.3 and then 4 instances', async () => {
  const b = await openBrowser();
  try {
    // Opened before the scenario creates the cluster: the page says so, then shows the cluster once it exists.
    await b.page.goto(`${endpoint}/ui/clusters/${encodeURIComponent(cluster)}`);

    // Every (CPR, recent peak, instances) the lane displays, recorded as the DOM changes: the page polls once a wall
    // second, CPR 133.3 lasts a few emulated minutes, and a test that polled on its own could fall between two frames.
    await b.page.evaluate((lane) => {
      window.__seen = [];
      const read = () => {
        const root = document.querySelector(`[data-testid=lane][data-lane="${CSS.escape(lane)}"]`);
        if (!root) return;
        const cpr = root.querySelector('[data-testid=lane-cpr]')?.textContent ?? null;
        const peak = root.querySelector('[data-testid=lane-cpr-peak]')?.textContent ?? null;
        const instances = root.querySelector('[data-testid=lane-instances]')?.textContent ?? null;
        const last = window.__seen.at(-1);
        if (!last || last.cpr !== cpr || last.peak !== peak || last.instances !== instances) window.__seen.push({ cpr, peak, instances });
      };
      read();
      new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
    }, provider);

    // The lane's CPR figure, or its recent peak (the CAS datapoints it shows), reads 133.3 while 3 instances run.
    const shows133 = (s) => s.cpr === '133.3' || s.peak === '133.3';
    await b.page.waitForFunction(() => window.__seen.some((s) => s.cpr === '133.3' || s.peak === '133.3'), null, { timeout: 300_000, polling: 200 });
    await b.page.waitForFunction(() => {
      const i = window.__seen.findIndex((s) => s.cpr === '133.3' || s.peak === '133.3');
      return window.__seen.slice(i).some((s) => s.instances === '4')
        && window.__dashboard.instanceRects().filter((r) => r.kind === 'instance').length === 4;
    }, null, { timeout: 300_000, polling: 200 });

    const seen = await b.page.evaluate(() => window.__seen);
    const first133 = seen.find(shows133);
    assert.equal(first133.instances, '3', `CPR 133.3 is shown while 3 instances run: ${JSON.stringify(seen)}`);
    assert.equal(await b.page.locator('[data-testid=not-found]').isVisible(), false);
    const boxes = await b.page.evaluate(() => window.__dashboard.instanceRects().filter((r) => r.kind === 'instance'));
    assert.ok(boxes.every((r) => r.w > 0 && r.h > 0), 'every instance is drawn');
    assert.ok(boxes.some((r) => r.tasks > 0), `the map shows the tasks: ${JSON.stringify(boxes)}`);
    b.assertNoErrors();
  } finally {
    await b.close();
  }
});
