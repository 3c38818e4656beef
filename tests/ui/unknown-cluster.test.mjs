// An unknown cluster's address shows a clear message, not a blank page; so does an address that is no page at all.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, endpoint, required } from './browser.mjs';

const cluster = required('CLUSTER');

test('an unknown cluster URL says the cluster was not found', async () => {
  const b = await openBrowser();
  try {
    await b.page.goto(`${endpoint}/ui/clusters/${encodeURIComponent(cluster)}`);
    const message = b.page.locator('[data-testid=not-found]');
    await message.waitFor({ state: 'visible', timeout: 60_000 });
    const text = await message.innerText();
    assert.match(text, /not found/i);
    assert.ok(text.includes(cluster), `the message names the cluster: ${text}`);
    assert.ok(text.includes('All clusters'), 'the message links back to the cluster list');
    assert.equal(await b.page.locator('[data-testid=lanes]').isVisible(), false, 'no empty cluster view behind the message');

    await b.page.getByText('All clusters').click();
    await b.page.waitForURL(`${endpoint}/ui`);
    await b.page.locator('[data-testid=clusters]').waitFor({ state: 'visible' });

    await b.page.goto(`${endpoint}/ui/no/such/page`);
    await b.page.locator('[data-testid=not-found]').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await b.page.locator('[data-testid=not-found]').innerText(), /No such page/);

    const asset = await b.page.request.get(`${endpoint}/ui/assets/no-such-file.js`);
    assert.equal(asset.status(), 404);
    b.assertNoErrors();
  } finally {
    await b.close();
  }
});
