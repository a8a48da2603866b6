// Language: the header switch (anonymous: a cookie; signed in: the stored preference), the account
// page's preference form, and no untranslated key on any page in either language.

import assert from 'node:assert/strict';

import { login, logout, resetDemoLocale, SEL, switchLocale } from '../lib/actions.mjs';
import {
  assertNoReload, DEMO, eachProject, expectLang, expectPath, expectText, goto, htmlAttr, pathname, setMarker, submit, t, visited,
} from '../lib/harness.mjs';

/** The header shows `locale`: `<html lang>`, the pressed language button, the footer. */
async function expectChrome(page, locale) {
  await expectLang(page, locale);
  assert.equal(await page.locator(SEL.lang(locale)).getAttribute('aria-pressed'), 'true');
  const other = locale === 'en' ? 'de' : 'en';
  assert.equal(await page.locator(SEL.lang(other)).getAttribute('aria-pressed'), 'false');
  await expectText(page, 'footer', t(locale, 'app.footer'));
}

async function expectLoginPage(page, locale) {
  await expectText(page, 'h1', t(locale, 'auth.login.title'));
  await expectText(page, 'label[for="email"]', t(locale, 'fields.email'));
  await expectText(page, 'label[for="password"]', t(locale, 'fields.password'));
  await expectText(page, SEL.loginSubmit, t(locale, 'auth.login.submit'));
  await expectChrome(page, locale);
}

async function expectLanding(page, locale) {
  await expectText(page, SEL.landingTitle, t(locale, 'home.title'));
  await expectText(page, SEL.logout, t(locale, 'auth.logout'));
  await expectChrome(page, locale);
}

const localeCookie = async (context) => (await context.cookies()).find((c) => c.name === 'tp_locale');

eachProject('anonymous: switch the sign-in page to German and back', async (page, context) => {
  await goto(page, '/login');
  await expectLoginPage(page, 'en');
  if (page.project.js) await setMarker(page);

  await switchLocale(page, 'de');
  assert.equal(pathname(page), '/login');
  await expectLoginPage(page, 'de');
  assert.equal((await localeCookie(context))?.value, 'de', 'anonymous choice must be the tp_locale cookie');
  if (page.project.js) await assertNoReload(page);

  await goto(page, '/login');
  await expectLoginPage(page, 'de'); // the cookie carries the choice to the next page load
  if (page.project.js) await setMarker(page);

  await switchLocale(page, 'en');
  assert.equal(pathname(page), '/login');
  await expectLoginPage(page, 'en');
  if (page.project.js) await assertNoReload(page);
});

eachProject('signed in: the language is stored and survives sign-out and sign-in', async (page, context) => {
  try {
    await login(page);
    await expectLanding(page, 'en');
    if (page.project.js) await setMarker(page);

    await switchLocale(page, 'de');
    assert.equal(pathname(page), '/');
    await expectLanding(page, 'de');
    if (page.project.js) await assertNoReload(page);
    assert.equal(await localeCookie(context), undefined, 'a signed-in choice must not be a tp_locale cookie');

    await logout(page);
    await expectPath(page, '/login');
    await login(page); // /login is loaded anonymously (English), then the user signs in
    await expectPath(page, '/');
    await expectLanding(page, 'de');

    await goto(page, '/account');
    await expectText(page, 'h1', t('de', 'account.title'));
    assert.equal(await page.locator('select#pref-locale').inputValue(), 'de');

    await switchLocale(page, 'en');
    assert.equal(pathname(page), '/account');
    await expectText(page, 'h1', t('en', 'account.title'));
    await expectChrome(page, 'en');
  } finally {
    await resetDemoLocale();
  }
});

eachProject('signed in: the account page language preference form', async (page) => {
  try {
    await login(page);
    await goto(page, '/account');
    await expectText(page, 'h1', t('en', 'account.title'));

    await page.selectOption('select#pref-locale', 'de');
    await submit(page, 'form:has(select#pref-locale) button[type="submit"]');
    assert.equal(pathname(page), '/account');
    await expectText(page, 'h1', t('de', 'account.title'));
    await expectText(page, 'form:has(select#pref-locale) button[type="submit"]', t('de', 'prefs.save'));
    await expectChrome(page, 'de');
    await goto(page, '/account');
    assert.equal(await page.locator('select#pref-locale').inputValue(), 'de');

    await page.selectOption('select#pref-locale', 'auto');
    await submit(page, 'form:has(select#pref-locale) button[type="submit"]');
    await expectText(page, 'h1', t('en', 'account.title')); // automatic → the browser's en-US
    await expectChrome(page, 'en');
  } finally {
    await resetDemoLocale();
  }
});

/** Visits `path?locale=…` in both languages; `goto` checks every page for raw keys. */
async function visitBoth(page, path, expectedPath = path) {
  for (const locale of ['en', 'de']) {
    await goto(page, `${path}?locale=${locale}`);
    assert.equal(pathname(page), expectedPath);
    assert.equal(await htmlAttr(page, 'lang'), locale, `${path}?locale=${locale}`);
  }
}

eachProject('no raw translation key on any page, in either language', async (page) => {
  await visitBoth(page, '/login');
  await visitBoth(page, '/account');
  await visitBoth(page, '/no-such-page');
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await visitBoth(page, '/');
  await visitBoth(page, '/account');
  await visitBoth(page, '/no-such-page');
  for (const path of ['/login', '/', '/account', '/no-such-page']) assert.ok(visited.has(path), `${path} not checked`);
});
