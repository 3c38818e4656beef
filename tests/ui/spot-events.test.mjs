// During a chaos experiment (experiments/workshop-spot-draining.yaml), the event stream panel, filtered to Spot
// interruption warnings as `client events --detail-type` would, shows the warning; the charts get a Spot marker.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, endpoint, required } from './browser.mjs';

const cluster = required('CLUSTER');
const WARNING = 'EC2 Spot Instance Interruption Warning';

test('the event stream shows a Spot interruption warning during an experiment', async () => {
  const b = await openBrowser();
  try {
    await b.page.goto(`${endpoint}/ui/clusters/${encodeURIComponent(cluster)}`);
    await b.page.locator('[data-testid=events]').waitFor({ state: 'attached', timeout: 120_000 });
    await b.page.locator(`[data-testid=event-type][value="${WARNING}"]`).check();
    await b.page.locator('[data-testid=event-apply]').click();

    const warning = b.page.locator(`[data-testid=event][data-detail-type="${WARNING}"]`).first();
    await warning.waitFor({ state: 'visible', timeout: 300_000 });
    const text = await warning.innerText();
    assert.match(text, /i-[0-9a-f]{17} will be interrupted/, text);
    // The filter holds: nothing but warnings in the list.
    const types = await b.page.locator('[data-testid=event]').evaluateAll((rows) => rows.map((r) => r.dataset.detailType));
    assert.ok(types.length > 0 && types.every((t) => t === WARNING), JSON.stringify(types));

    // The page also marks the interruption on the time axis of its charts.
    await b.page.waitForFunction(() => [...(window.__dashboard.view?.streamMarkers?.values() ?? [])].some((m) => m.kind === 'spot'), null, { timeout: 60_000 });
    b.assertNoErrors();
  } finally {
    await b.close();
  }
});
