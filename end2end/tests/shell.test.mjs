// The page shell: theme toggle, in-place updates when hydrated, small screens, error pages, and a
// clean browser console.

import assert from 'node:assert/strict';

import { login, SEL, switchLocale, toggleTheme } from '../lib/actions.mjs';
import {
  assertNoReload, DEMO, eachProject, expectLang, expectPath, expectText, goto, htmlAttr, setMarker, t,
} from '../lib/harness.mjs';

async function expectTheme(page, theme) {
  assert.equal(await htmlAttr(page, 'data-theme'), theme, '<html data-theme>');
  assert.equal(await page.locator(SEL.themeToggle).getAttribute('data-theme-current'), theme, 'data-theme-current');
}

eachProject('theme toggle cycles system → light → dark → system and is remembered', async (page, context) => {
  await goto(page, '/login');
  await expectTheme(page, 'system');
  if (page.project.js) await setMarker(page);
  for (const theme of ['light', 'dark', 'system']) {
    await toggleTheme(page);
    await expectTheme(page, theme);
    const cookie = (await context.cookies()).find((c) => c.name === 'tp_theme');
    assert.equal(cookie?.value, theme, 'tp_theme cookie');
  }
  if (page.project.js) await assertNoReload(page);
  await toggleTheme(page);
  await goto(page, '/login');
  await expectTheme(page, 'light'); // the server renders the remembered theme
});

eachProject('theme and language change in place, without a reload', async (page) => {
  await goto(page, '/login');
  await setMarker(page);
  // A node the server rendered (outside any suspense boundary): it must be updated, not replaced.
  await page.locator('footer span').evaluate((span) => { span.__e2eNode = 1; });
  const footerNodeKept = () => page.locator('footer span').evaluate((span) => span.__e2eNode === 1);

  await toggleTheme(page);
  await expectTheme(page, 'light');

  await switchLocale(page, 'de');
  await expectLang(page, 'de');
  await expectText(page, 'h1', t('de', 'auth.login.title'));
  await expectText(page, 'footer span', t('de', 'app.footer'));
  assert.ok(await footerNodeKept(), 'the footer text node was replaced instead of updated');
  await expectText(page, SEL.themeToggle, t('de', 'prefs.theme_light'));

  await switchLocale(page, 'en');
  await expectLang(page, 'en');
  await expectText(page, 'footer span', t('en', 'app.footer'));
  assert.ok(await footerNodeKept(), 'the footer text node was replaced instead of updated');
  await assertNoReload(page);
}, { only: 'hydrated' });

/** No horizontal scrolling, and `selectors` are visible within the viewport's width. */
async function expectFits(page, selectors) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `horizontal overflow: scrollWidth ${scrollWidth} > ${clientWidth}`);
  for (const selector of selectors) {
    const el = page.locator(selector).first();
    assert.ok(await el.isVisible(), `${selector} not visible`);
    const box = await el.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= clientWidth, `${selector} sticks out: x=${box.x} width=${box.width}`);
  }
}

eachProject('375 px wide: sign-in and overview fit without horizontal scrolling', async (page) => {
  await goto(page, '/login');
  await expectFits(page, [SEL.loginSubmit, SEL.langSwitch, SEL.themeToggle]);
  await login(page);
  await expectText(page, SEL.landingTitle, t('en', 'home.title'));
  await expectFits(page, [SEL.landingTitle, SEL.langSwitch, SEL.logout]);
}, { context: { viewport: { width: 375, height: 740 } } });

eachProject('unknown URL shows the localized 404 page', async (page) => {
  for (const locale of ['en', 'de']) {
    const response = await goto(page, `/no-such-page?locale=${locale}`);
    assert.equal(response.status(), 404);
    await page.locator(SEL.errorPage(404)).waitFor();
    await expectText(page, `${SEL.errorPage(404)} h1`, t(locale, 'errors.page.not_found_title'));
    await expectText(page, `${SEL.errorPage(404)} a[href="/"]`, t(locale, 'errors.page.home'));
    await expectLang(page, locale);
  }
});

eachProject('anonymous /account shows the 401 page', async (page) => {
  const response = await goto(page, '/account');
  assert.equal(response.status(), 401);
  await expectPath(page, '/account');
  await page.locator(SEL.errorPage(401)).waitFor();
  await expectText(page, `${SEL.errorPage(401)} h1`, t('en', 'errors.page.unauthenticated_title'));
  await expectText(page, `${SEL.errorPage(401)} a[href="/login"]`, t('en', 'auth.login.submit'));
  assert.equal(await page.locator('[data-testid="account-email"]').count(), 0);
});

eachProject('no console errors on /login and /', async (page) => {
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await goto(page, '/login');
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await goto(page, '/');
  await expectText(page, SEL.landingTitle, t('en', 'home.title'));
  assert.deepEqual(errors, []);
}, { only: 'hydrated' });
