// Signing in and out, the account page, and the submit button's pending state.

import assert from 'node:assert/strict';

import { login, logout, SEL } from '../lib/actions.mjs';
import { DEMO, eachProject, eventually, expectPath, expectText, goto, pathname, t, tParts } from '../lib/harness.mjs';

const sessionCookie = async (context) => (await context.cookies()).find((c) => c.name === 'tp_session');

// The only test that fails a sign-in: 2 failures for the demo account per run (the limit is 5 per 15 min).
eachProject('wrong password shows the localized error and signs nobody in', async (page, context) => {
  await login(page, { password: 'not-the-password' });
  assert.equal(pathname(page), '/login');
  const error = page.locator(SEL.loginError);
  await error.waitFor();
  const shown = (await error.innerText()).trim();
  const [rateLimited] = tParts('en', 'errors.rate_limited');
  assert.ok(!shown.startsWith(rateLimited), 'rate limited: the demo account failed to sign in 5 times in 15 minutes');
  assert.equal(shown, t('en', 'errors.invalid_credentials'));
  assert.equal(await error.getAttribute('role'), 'alert');
  assert.equal(await sessionCookie(context), undefined, 'a tp_session cookie was set for a failed sign-in');
  await expectText(page, 'h1', t('en', 'auth.login.title'));
  assert.equal(await page.locator(SEL.signedInAs).count(), 0);
});

eachProject('sign in lands on the overview with the signed-in email', async (page, context) => {
  await login(page);
  await expectPath(page, '/');
  await expectText(page, SEL.landingTitle, t('en', 'home.title'));
  await expectText(page, SEL.signedInAs, DEMO.email);
  await expectText(page, SEL.logout, t('en', 'auth.logout'));
  const cookie = await sessionCookie(context);
  assert.ok(cookie, 'no tp_session cookie after signing in');
  assert.ok(cookie.httpOnly, 'tp_session must be HttpOnly');
});

eachProject('sign out returns to the sign-in page and / needs a session again', async (page) => {
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await logout(page);
  await expectPath(page, '/login');
  await expectText(page, 'h1', t('en', 'auth.login.title'));
  assert.equal(await page.locator(SEL.signedInAs).count(), 0, 'still shown as signed in');
  await goto(page, '/');
  assert.equal(pathname(page), '/login', 'anonymous / must redirect to /login');
  await expectText(page, 'h1', t('en', 'auth.login.title'));
});

eachProject('anonymous / redirects to the sign-in page', async (page) => {
  const response = await goto(page, '/');
  assert.equal(pathname(page), '/login');
  assert.equal(response.status(), 200);
  await expectText(page, 'h1', t('en', 'auth.login.title'));
  await expectText(page, SEL.loginSubmit, t('en', 'auth.login.submit'));
});

eachProject('account page shows the user and the language preference form', async (page) => {
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await goto(page, '/account');
  await expectText(page, 'h1', t('en', 'account.title'));
  await expectText(page, '[data-testid="account-email"]', DEMO.email);
  const options = page.locator('select#pref-locale option');
  assert.deepEqual(await options.evaluateAll((os) => os.map((o) => o.value)), ['auto', 'en', 'de']);
  await expectText(page, 'select#pref-locale option[value="auto"]', t('en', 'prefs.auto'));
  await expectText(page, 'form:has(select#pref-locale) button[type="submit"]', t('en', 'prefs.save'));
});

eachProject('the sign-in button shows its pending state while the action runs', async (page) => {
  await goto(page, '/login');
  await page.fill('#email', DEMO.email);
  await page.fill('#password', DEMO.password);
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/api/auth/login', async (route) => { await held; await route.continue(); });
  const button = page.locator(SEL.loginSubmit);
  await button.click();
  await eventually(async () => {
    assert.equal(await button.getAttribute('aria-busy'), 'true');
    assert.ok(await button.isDisabled(), 'the pending button must be disabled');
    assert.equal(await page.locator('.activity-bar.active').count(), 1, 'activity bar not shown');
  });
  release();
  await expectPath(page, '/');
  await expectText(page, SEL.landingTitle, t('en', 'home.title'));
}, { only: 'hydrated' });
