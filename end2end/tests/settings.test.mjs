// Workspace settings, password change and the platform directory: an owner sets the workspace's default
// language (the page switches to it), a read-only member sees the settings form disabled with the reason,
// a fresh account changes its password and signs in with the new one, and the platform operator opens the
// /system directory (others get the 404 page). Every change is undone or uses unique data, so the suite
// can run twice against one server and the other test files see the demo as seeded.

import assert from 'node:assert/strict';
import { request } from 'playwright-core';

import { as, login, logout, SEL, withApi } from '../lib/actions.mjs';
import {
  BASE_URL, DEMO, eachProject, expectLang, expectPath, expectText, goto, submit, t, text,
} from '../lib/harness.mjs';

const FABRIKAM_SETTINGS = '/admin/workspaces/fabrikam/settings';
const SAVE = 'form[action="/api/workspaces/settings_update"] button[type="submit"]';


/** Puts Fabrikam's settings back as seeded (no default language). */
const resetFabrikam = () =>
  withApi(as('owner@fabrikam.example'), async (api) => {
    const res = await api.post('/api/workspaces/settings_update', {
      form: { workspace: 'fabrikam', name: 'Fabrikam IT', default_locale: '', timezone: 'UTC' },
    });
    assert.ok(res.ok(), `settings reset: HTTP ${res.status()}`);
  });

eachProject('owner sets the workspace default language; the workspace switches to it', async (page) => {
  await resetFabrikam();
  try {
    await login(page, as('owner@fabrikam.example'));
    await goto(page, FABRIKAM_SETTINGS);
    await expectText(page, 'h1', t('en', 'settings.title'));
    await page.selectOption('#settings-locale', 'de');
    await page.selectOption('#settings-timezone', 'Europe/Berlin');
    await submit(page, SAVE);
    await expectLang(page, 'de');
    await expectText(page, 'h1', t('de', 'settings.title'));
    assert.equal(await page.locator('#settings-locale').inputValue(), 'de');
    assert.equal(await page.locator('#settings-timezone').inputValue(), 'Europe/Berlin');
    // Outside the workspace the account's own chain applies again.
    await goto(page, '/account');
    await expectLang(page, 'en');
    await goto(page, '/admin/workspaces/fabrikam');
    await expectLang(page, 'de');
  } finally {
    await resetFabrikam();
  }
});

eachProject('read-only member sees the settings form disabled, with the reason', async (page) => {
  await login(page, as('readonly@contoso.example'));
  await goto(page, '/admin/workspaces/contoso/settings');
  const fieldset = page.locator('[data-testid="settings-fieldset"]');
  assert.notEqual(await fieldset.getAttribute('disabled'), null, 'the form is disabled');
  assert.ok(await page.locator('#settings-name').isDisabled(), 'the name field is disabled');
  assert.ok(await page.locator(SAVE).isDisabled(), 'the save button is disabled');
  const reason = await text(page, '[data-testid="settings-disabled-reason"]');
  assert.ok(reason.startsWith(t('en', 'settings.manage_disabled')), reason);
  assert.ok(reason.includes(t('en', 'members.roles.readonly')), reason);
});

eachProject('a new account changes its password and signs in with the new one', async (page) => {
  const email = `e2e-pw-${page.project.name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const first = 'first-password-123';
  const second = 'second-password-456';
  // The account, through an invite (owner) and its registration (the invitee).
  const link = await withApi(as(DEMO.email), async (api) => {
    const res = await api.post('/api/members/invite', { form: { workspace: 'contoso', email, role: 'readonly' } });
    assert.ok(res.ok(), `invite: HTTP ${res.status()}`);
    return (await res.json()).link;
  });
  const token = new URL(link).pathname.split('/').pop();
  const guest = await request.newContext({ baseURL: BASE_URL });
  try {
    const res = await guest.post('/api/invites/register', { form: { token, display_name: 'Pat Password', password: first } });
    assert.ok(res.ok() || res.status() === 302, `register: HTTP ${res.status()}`);
  } finally {
    await guest.dispose();
  }

  await login(page, { email, password: first });
  await expectText(page, SEL.signedInAs, email);
  await goto(page, '/account');
  // A wrong current password is a field error, in the page's language.
  await page.fill('#current_password', 'not-my-password');
  await page.fill('#new_password', second);
  await submit(page, 'form[action="/api/account/password"] button[type="submit"]');
  const error = await text(page, '[data-testid="password-error"]');
  assert.ok(error.includes(t('en', 'fields.current_password')), error);
  assert.ok(error.includes(t('en', 'errors.field.wrong_password')), error);
  // The right one changes it; this session stays signed in.
  await page.fill('#current_password', first);
  await page.fill('#new_password', second);
  await submit(page, 'form[action="/api/account/password"] button[type="submit"]');
  await expectText(page, '[data-testid="password-changed"]', t('en', 'account.password.changed'));
  await expectText(page, SEL.signedInAs, email);
  await logout(page);
  // The old password fails, the new one works.
  await login(page, { email, password: first });
  await expectText(page, SEL.loginError, t('en', 'errors.invalid_credentials'));
  await login(page, { email, password: second });
  await expectText(page, SEL.signedInAs, email);
});

eachProject('the platform operator opens the /system directory; others get 404', async (page) => {
  await login(page, as('platform@tenantpilot.example'));
  await goto(page, '/');
  await expectText(page, 'nav.mainnav a[href="/system"]', t('en', 'nav.system'));
  await goto(page, '/system');
  await expectText(page, 'h1', t('en', 'system.title'));
  for (const slug of ['contoso', 'fabrikam']) {
    assert.equal(await page.locator(`[data-testid="directory-row"][data-slug="${slug}"]`).count(), 1, slug);
  }
  await page.click('[data-testid="directory-row"][data-slug="fabrikam"] a');
  await expectPath(page, '/system/workspaces/fabrikam');
  await expectText(page, '[data-testid="directory-workspace"]', 'Fabrikam IT');
  await logout(page);

  await login(page, as('owner@contoso.example'));
  await goto(page, '/');
  assert.equal(await page.locator('nav.mainnav a[href="/system"]').count(), 0, 'no /system link for members');
  const res = await goto(page, '/system');
  assert.equal(res.status(), 404);
  await expectText(page, `${SEL.errorPage(404)} h1`, t('en', 'errors.page.not_found_title'));
});
