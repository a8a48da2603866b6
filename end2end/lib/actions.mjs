// What a user does: sign in and out, switch language and theme. Each waits until the outcome has
// arrived (see `submit`), in both projects. Also `withApi`: the same server functions from a script,
// signed in with a cookie jar of its own.

import assert from 'node:assert/strict';
import { request } from 'playwright-core';

import { BASE_URL, DEMO, goto, submit } from './harness.mjs';

export const SEL = {
  loginForm: 'form[action="/api/auth/login"]',
  loginSubmit: 'form[action="/api/auth/login"] button[type="submit"]',
  loginError: '[data-testid="login-error"]',
  logout: 'form[action="/api/auth/logout"] button[type="submit"]',
  signedInAs: '[data-testid="signed-in-as"]',
  landingTitle: '[data-testid="landing-title"]',
  langSwitch: '.lang-switch',
  lang: (locale) => `.lang-switch button[data-locale="${locale}"]`,
  themeToggle: 'button.theme-toggle',
  errorPage: (status) => `section.error-page[data-status="${status}"]`,
};

/** Opens /login and submits the credentials (default: the demo owner). */
export async function login(page, { email = DEMO.email, password = DEMO.password } = {}) {
  await goto(page, '/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await submit(page, SEL.loginSubmit);
}

export const logout = (page) => submit(page, SEL.logout);

/** Clicks the header's language button for `locale` ('en' | 'de'). */
export const switchLocale = (page, locale) => submit(page, SEL.lang(locale));

export const toggleTheme = (page) => submit(page, SEL.themeToggle);

/** Demo credentials of `email` (every demo account has the demo password). */
export const as = (email) => ({ email, password: DEMO.password });

/** Signs in through the API (its own cookie jar) and runs `fn(api)`. */
export async function withApi({ email, password }, fn) {
  const api = await request.newContext({ baseURL: BASE_URL });
  try {
    const signIn = await api.post('/api/auth/login', { form: { email, password } });
    assert.ok(signIn.ok(), `API sign-in as ${email}: HTTP ${signIn.status()}`);
    return await fn(api);
  } finally {
    await api.dispose();
  }
}

/**
 * Puts the demo owner's stored language back to "automatic" through the HTTP API, so a failed test
 * cannot leave the account in German for the tests after it.
 */
export const resetDemoLocale = () =>
  withApi(DEMO, async (api) => {
    const reset = await api.post('/api/prefs/locale', { form: { locale: 'auto' } });
    assert.ok(reset.ok(), `locale reset: HTTP ${reset.status()}`);
  });
