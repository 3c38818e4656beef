// From the cluster list to a cluster, then a click on an instance of the map shows that instance's tasks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, endpoint, required } from './browser.mjs';

const cluster = required('CLUSTER');
const expectedTasks = Number(required('TASKS'));
const service = required('SERVICE');

test('clicking an instance on the map shows its tasks', async () => {
  const b = await openBrowser();
  try {
    await b.page.goto(`${endpoint}/ui`);
    const link = b.page.locator(`[data-testid=cluster-row][data-cluster="${cluster}"] a`);
    await link.waitFor({ state: 'visible', timeout: 120_000 });
    await link.click();
    await b.page.waitForURL(`${endpoint}/ui/clusters/${encodeURIComponent(cluster)}`);

    // Wait for the scenario's service to be placed: every task on a box of the map.
    await b.page.waitForFunction((n) => window.__dashboard.instanceRects().reduce((s, r) => s + r.tasks, 0) === n
      && document.querySelector('[data-testid=summary-running]')?.textContent === String(n), expectedTasks, { timeout: 300_000, polling: 250 });
    const boxes = await b.page.evaluate(() => window.__dashboard.instanceRects().filter((r) => r.kind === 'instance'));
    const target = boxes.reduce((a, r) => (r.tasks > a.tasks ? r : a));
    assert.ok(target.tasks > 0, 'an instance with tasks');

    await b.page.mouse.click(target.x + target.w / 2, target.y + target.h / 2);
    const detail = b.page.locator('[data-testid=instance-detail]');
    await detail.waitFor({ state: 'visible', timeout: 30_000 });
    await b.page.waitForFunction((ec2) => document.querySelector('[data-testid=detail-title]')?.textContent === ec2, target.ec2, { timeout: 30_000 });
    const rows = detail.locator('[data-testid=instance-task]:not(.stopped)');
    await b.page.waitForFunction((n) => document.querySelectorAll('[data-testid=instance-task]:not(.stopped)').length === n, target.tasks, { timeout: 30_000 });
    assert.equal(await rows.count(), target.tasks);
    assert.equal(await detail.locator('[data-testid=detail-task-count]').innerText(), String(target.tasks));
    for (const text of await rows.allInnerTexts()) {
      assert.ok(text.startsWith(service), `each task row names its service: ${text}`);
      assert.match(text, /RUNNING/, 'each task row shows its status');
    }
    b.assertNoErrors();
  } finally {
    await b.close();
  }
});
