// Debian's Chromium, headless, driven by playwright-core (no browser download: the executable is the system's).
// Every run gets a fresh --user-data-dir; background networking, component updates and sync are off because the
// machine's network is closed and Chromium's own connections would be refused.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

export const endpoint = process.env.EMULATOR_ENDPOINT ?? 'http://127.0.0.1:4577';
export const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Opens a page; collects uncaught page errors and console errors (network 404s the page expects are not errors). */
export async function openBrowser({ width = 1440, height = 1000 } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'emulator-ui-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width, height }, timeout: 120_000,
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}\n${e.stack ?? ''}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console error: ${m.text()}`);
  });
  return {
    context,
    page,
    errors,
    assertNoErrors() {
      assert.deepEqual(errors, [], 'the page logged errors');
    },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export function required(name) {
  const v = process.env[name];
  assert.ok(v, `environment variable ${name} is required`);
  return v;
}

/** Text of the first element matching a selector inside the lane of a capacity provider. */
export async function laneText(page, lane, testid) {
  return page.evaluate(([l, t]) => document.querySelector(`[data-testid=lane][data-lane="${CSS.escape(l)}"] [data-testid=${t}]`)?.textContent ?? null, [lane, testid]);
}
