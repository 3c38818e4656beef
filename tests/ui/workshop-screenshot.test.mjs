// The seed workshop's cluster (On-Demand t3.small base 1 weight 1, Spot m5.large weight 4; 40 tasks split 9 / 31)
// as the dashboard draws it, saved as a screenshot (docs/dashboard-workshop.png when the test is asked to refresh it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openBrowser, endpoint, required, laneText } from './browser.mjs';

const cluster = required('CLUSTER');
const onDemand = required('OD_PROVIDER');
const spot = required('SPOT_PROVIDER');
const screenshot = required('SCREENSHOT');

test('workshop cluster: 9 On-Demand and 31 Spot tasks, drawn and saved as a screenshot', async () => {
  const b = await openBrowser({ width: 1440, height: 900 });
  try {
    await b.page.goto(`${endpoint}/ui/clusters/${encodeURIComponent(cluster)}`);
    await b.page.waitForFunction(([od, sp]) => {
      const running = (lane) => document.querySelector(`[data-testid=lane][data-lane="${CSS.escape(lane)}"] [data-testid=lane-running]`)?.textContent;
      return running(od) === '9' && running(sp) === '31' && document.querySelector('[data-testid=summary-pending]')?.textContent === '0';
    }, [onDemand, spot], { timeout: 600_000, polling: 250 });
    assert.equal(await laneText(b.page, onDemand, 'lane-running'), '9');
    assert.equal(await laneText(b.page, spot, 'lane-running'), '31');

    // Instances of both lanes hold their tasks: never more than 3 on a t3.small nor 8 on an m5.large (B-IT-3).
    const boxes = await b.page.evaluate(() => window.__dashboard.instanceRects().filter((r) => r.kind === 'instance'));
    const byLane = (l) => boxes.filter((r) => r.lane === l);
    assert.equal(byLane(onDemand).reduce((n, r) => n + r.tasks, 0), 9);
    assert.equal(byLane(spot).reduce((n, r) => n + r.tasks, 0), 31);
    assert.ok(byLane(onDemand).every((r) => r.tasks <= 3) && byLane(spot).every((r) => r.tasks <= 8), JSON.stringify(boxes));
    // Drawn to scale: an m5.large (8 GiB) box is taller than a t3.small (2 GiB) one, as wide (both 2 vCPU).
    const [od] = byLane(onDemand), [sp] = byLane(spot);
    assert.ok(sp.h > 2 * od.h && Math.abs(sp.w - od.w) <= 1, `m5.large ${sp.w}x${sp.h} vs t3.small ${od.w}x${od.h}`);

    // The charts have their series before the picture is taken.
    await b.page.waitForFunction(() => {
      const h = window.__dashboard.view?.history;
      const tasks = h?.charts.find((c) => c.id === 'tasks');
      return tasks && tasks.series[0].points.at(-1)?.[1] === 40;
    }, null, { timeout: 120_000, polling: 250 });
    await b.page.waitForTimeout(1500);
    await b.page.mouse.move(0, 0);
    await b.page.screenshot({ path: screenshot, fullPage: true });
    const png = fs.readFileSync(screenshot);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.ok(png.length > 20_000, `a real picture (${png.length} bytes)`);
    b.assertNoErrors();
  } finally {
    await b.close();
  }
});
