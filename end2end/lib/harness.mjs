// Browser and context setup, page navigation with the checks every page gets, and locale lookup.
// Every test runs in two projects: `ssr` (JavaScript off: forms post, the server redirects back) and
// `hydrated` (JavaScript on, interactions after the wasm client has hydrated the page).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/$/, '');
if (!BASE_URL) throw new Error('BASE_URL is not set; start the suite with end2end/run <tenantpilot-binary>');

export const PROJECTS = [
  { name: 'ssr', js: false },
  { name: 'hydrated', js: true },
];

export const DEMO = { email: 'owner@contoso.example', password: 'tenantpilot-demo' };

// ---------------------------------------------------------------------------------------------------
// Locale files

const LOCALES = {
  en: JSON.parse(readFileSync(new URL('../../locales/en.json', import.meta.url), 'utf8')),
  de: JSON.parse(readFileSync(new URL('../../locales/de.json', import.meta.url), 'utf8')),
};

/** The string for `dotted.key` in `locale` ('en' | 'de'); throws for a missing key. */
export function t(locale, key) {
  const value = key.split('.').reduce((node, part) => node?.[part], LOCALES[locale]);
  if (typeof value !== 'string') throw new Error(`no string "${key}" in locales/${locale}.json`);
  return value;
}

/** The literal text around the `{{ var }}` interpolations of a string, e.g. ['Try again in ', ' minute(s).']. */
export function tParts(locale, key) {
  return t(locale, key).split(/\{\{\s*\w+\s*\}\}/);
}

/** Every leaf key of a locale file, e.g. 'auth.login.title'. */
function leafKeys(node, prefix = '') {
  return Object.entries(node).flatMap(([k, v]) =>
    typeof v === 'string' ? [prefix + k] : leafKeys(v, `${prefix}${k}.`),
  );
}

export const KEYS = [...new Set([...leafKeys(LOCALES.en), ...leafKeys(LOCALES.de)])];
const NAMESPACES = new Set([...Object.keys(LOCALES.en), ...Object.keys(LOCALES.de)]);

// ---------------------------------------------------------------------------------------------------
// Browser and pages

let browserPromise;
function browser() {
  browserPromise ??= chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
  return browserPromise;
}
after(async () => {
  if (browserPromise) await (await browserPromise).close();
});

/** Every path a test navigated to (checked for raw translation keys on arrival). */
export const visited = new Set();

/**
 * Runs `fn(page)` in a fresh context (own cookies) of `project`; `options` override the context
 * options (e.g. `viewport`). The page carries its project as `page.project`.
 */
export async function withPage(project, fn, options = {}) {
  const context = await (await browser()).newContext({
    javaScriptEnabled: project.js,
    locale: 'en-US',
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(20_000);
  try {
    const page = await context.newPage();
    page.project = project;
    return await fn(page, context);
  } finally {
    await context.close();
  }
}

/**
 * Declares `[project] name` for each project (default both; `only: 'hydrated'` for one): a test that
 * runs `fn(page, context)` in a fresh context; `context` overrides the context options.
 */
export function eachProject(name, fn, { only, context = {}, timeout = 90_000 } = {}) {
  for (const project of PROJECTS.filter((p) => !only || p.name === only)) {
    test(`[${project.name}] ${name}`, { timeout }, () => withPage(project, fn, context));
  }
}

/** Waits until the hydrated client has loaded (no-op with JavaScript off). */
export async function hydrated(page) {
  if (!page.project.js) return;
  await page.waitForLoadState('networkidle');
  const wasm = await page.waitForFunction(() => {
    const entry = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
    return entry && { url: entry.name, status: entry.responseStatus };
  });
  const { url, status } = await wasm.jsonValue();
  assert.ok(status > 0 && status < 400, `the client did not load: ${url} answered HTTP ${status}`);
  await sleep(300);
}

/** Navigates to `path`, waits for hydration, checks the page for raw keys; returns the response. */
export async function goto(page, path) {
  const response = await page.goto(BASE_URL + path, { waitUntil: 'load' });
  await arrived(page);
  return response;
}

/** Everything after a page is reached: hydration, then the raw-key check. */
export async function arrived(page) {
  await hydrated(page);
  visited.add(new URL(page.url()).pathname);
  await assertNoRawKeys(page);
}

/**
 * Clicks a submit button and waits for the outcome: with JavaScript off the POST → redirect → GET
 * navigation; hydrated, the server function's response and the end of the activity it started.
 */
export async function submit(page, button) {
  const locator = typeof button === 'string' ? page.locator(button) : button;
  if (page.project.js) {
    const action = await locator.evaluate((b) => new URL(b.form.action).pathname);
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === action),
      locator.click(),
    ]);
    await page.waitForFunction(() => !document.querySelector('.activity-bar.active'));
    await sleep(300);
    await arrived(page);
  } else {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
    await arrived(page);
  }
}

/** Retries `check` (an assertion) until it passes or `timeout` ms have passed. */
export async function eventually(check, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Assertions shared by the test files

/** The visible text of the first match of `selector`, whitespace-normalised. */
export async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
}

export const htmlAttr = (page, name) => page.locator('html').getAttribute(name);

/** Waits until `selector`'s text equals `expected`. */
export async function expectText(page, selector, expected) {
  await eventually(async () => assert.equal(await text(page, selector), expected, `text of ${selector}`));
}

/** Waits until `<html lang>` is `locale`. */
export async function expectLang(page, locale) {
  await eventually(async () => assert.equal(await htmlAttr(page, 'lang'), locale, '<html lang>'));
}

export const pathname = (page) => new URL(page.url()).pathname;

/** Waits until the page is at `path`. */
export async function expectPath(page, path) {
  await eventually(async () => assert.equal(pathname(page), path, 'page path'));
}

/** Sets a marker on `window`; `assertNoReload` fails if the document was replaced since. */
export const setMarker = (page) => page.evaluate(() => { window.__e2eMarker = 1; });
export async function assertNoReload(page) {
  assert.equal(await page.evaluate(() => window.__e2eMarker), 1, 'the page reloaded (window marker lost)');
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Stable ids of the product that pages show as data (run types in audit summaries and run pages) and that
// happen to start with a locale namespace; they are not translation keys.
const DATA_IDS = new Set(['inventory.sync']);
const KEY_PATTERNS = KEYS.map((k) => [k, new RegExp(`\\b${escape(k)}\\b`)]);

/**
 * The page shows no untranslated text: none of the locale files' keys, no dotted identifier in a
 * locale namespace (`errors.page.foo`), no `{{ var }}` placeholder — in the visible text nor in the
 * accessible labels and tooltips.
 */
export async function assertNoRawKeys(page) {
  const shown = await page.evaluate(() =>
    [
      document.title,
      document.body.innerText,
      ...[...document.querySelectorAll('[aria-label],[title],[placeholder]')].flatMap((el) =>
        ['aria-label', 'title', 'placeholder'].map((a) => el.getAttribute(a) ?? ''),
      ),
    ].join('\n'),
  );
  const where = pathname(page);
  for (const [key, pattern] of KEY_PATTERNS) {
    assert.ok(!pattern.test(shown), `raw translation key "${key}" visible on ${where}`);
  }
  const dotted = (shown.match(/\b[a-z_]+(?:\.[a-z_]+)+\b/g) ?? [])
    .filter((m) => NAMESPACES.has(m.split('.')[0]) && !DATA_IDS.has(m));
  assert.deepEqual(dotted, [], `dotted translation keys visible on ${where}`);
  assert.ok(!/\{\{|\}\}/.test(shown), `uninterpolated {{ }} placeholder visible on ${where}`);
}
