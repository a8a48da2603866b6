// Provider connections and the inventory: the demo's connected tenant turns healthy with complete data
// freshness (the demo syncs at start-up), the policy list and its type filter, a policy's version 1 and
// snapshot, onboarding "Contoso Legacy" by hand (save, Verify connection → the queued notice with its
// View run link → the tenant becomes active), read-only members see the actions disabled with the reason,
// customer viewers get 404 for another tenant's policies, and the policy list in German. Both projects
// share one server, so every step tolerates the other project having run first.

import assert from 'node:assert/strict';
import { request } from 'playwright-core';

import { login, resetDemoLocale, SEL, switchLocale } from '../lib/actions.mjs';
import {
  arrived, BASE_URL, DEMO, eachProject, eventually, expectText, goto, submit, t, text,
} from '../lib/harness.mjs';

const ENVIRONMENTS = '/admin/workspaces/contoso/environments';

const TID = {
  verification: '[data-testid="connection-verification"]',
  coverageRow: '[data-testid="coverage-row"]',
  policyRow: '[data-testid="policy-row"]',
  runStarted: '[data-testid="run-started"]',
  runLink: '[data-testid="run-started-link"]',
  lifecycle: '[data-testid="tenant-lifecycle"]',
};
const FORM = {
  save: 'form[action="/api/connections/save"] button[type="submit"]',
  verify: 'form[action="/api/connections/verify"] button[type="submit"]',
  sync: 'form[action="/api/inventory/sync"] button[type="submit"]',
};

const as = (email) => ({ email, password: DEMO.password });

/** The demo workspace's tenants (as the owner, through the API): display name → id. */
async function tenantIds() {
  const api = await request.newContext({ baseURL: BASE_URL });
  try {
    const signIn = await api.post('/api/auth/login', { form: { email: DEMO.email, password: DEMO.password } });
    assert.ok(signIn.ok(), `API sign-in: HTTP ${signIn.status()}`);
    const res = await api.post('/api/tenants/list', { form: { workspace: 'contoso', status: 'all' } });
    assert.ok(res.ok(), `tenant list: HTTP ${res.status()}`);
    return Object.fromEntries((await res.json()).items.map((x) => [x.display_name, x.id]));
  } finally {
    await api.dispose();
  }
}

/** Applies the current values of a GET filter form and waits for the filtered page. */
async function applyFilters(page, button, param, value) {
  if (page.project.js) {
    await page.locator(button).click();
    await page.waitForURL((url) => url.searchParams.get(param) === value);
    await arrived(page);
  } else {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator(button).click()]);
    await arrived(page);
  }
}

eachProject('a connected demo tenant is healthy and its inventory complete', async (page) => {
  const ids = await tenantIds();
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  const path = `${ENVIRONMENTS}/${ids['Contoso Retail']}`;
  // The demo verifies and syncs at start-up: reload until both have reported.
  await eventually(async () => {
    await goto(page, path);
    assert.equal(await page.locator(TID.verification).getAttribute('data-status'), 'healthy');
    const rows = page.locator(TID.coverageRow);
    assert.ok((await rows.count()) > 0, 'the freshness table lists the types');
    const statuses = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.status));
    assert.deepEqual([...new Set(statuses)], ['complete'], 'every type synced completely');
  }, 45_000);
  await expectText(page, TID.verification, t('en', 'connections.verification_status.healthy'));
  const granted = await page.locator('[data-testid="permission-row"]').evaluateAll((rs) => rs.map((r) => r.dataset.state));
  assert.ok(granted.length > 0 && granted.every((s) => s === 'granted'), `permissions: ${granted}`);
  assert.ok(Number(await text(page, '[data-testid="count-policies"]')) > 0, 'policies counted');
});

eachProject('policy list: policies, the type filter, a policy with version 1 and its snapshot', async (page) => {
  const ids = await tenantIds();
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  const list = `${ENVIRONMENTS}/${ids['Contoso Retail']}/policies`;
  await eventually(async () => {
    await goto(page, list);
    assert.ok((await page.locator(TID.policyRow).count()) > 0, 'policies listed');
  }, 45_000);
  await expectText(page, 'h1', t('en', 'inventory.policies_title'));

  await page.locator('#policy-type').selectOption('settings_catalog');
  await applyFilters(page, '[data-testid="policy-apply"]', 'type', 'settings_catalog');
  await eventually(async () => {
    const types = await page.locator(TID.policyRow).evaluateAll((rs) => rs.map((r) => r.dataset.type));
    assert.ok(types.length > 0, 'settings catalog policies listed');
    assert.deepEqual([...new Set(types)], ['settings_catalog']);
  });
  assert.equal(await page.locator('#policy-type').inputValue(), 'settings_catalog', 'the filter keeps its value');
  await expectText(page, `${TID.policyRow} [data-testid="policy-type"]`, t('en', 'inventory.types.settings_catalog'));

  const name = await text(page, `${TID.policyRow} [data-testid="policy-link"]`);
  const href = await page.locator(`${TID.policyRow} [data-testid="policy-link"]`).first().getAttribute('href');
  await goto(page, href);
  await expectText(page, '[data-testid="policy-name"]', name);
  await page.locator('[data-testid="version-row"][data-version="1"]').waitFor();
  const snapshot = await page.locator('[data-testid="snapshot"]').textContent();
  assert.doesNotThrow(() => JSON.parse(snapshot), 'the snapshot is JSON');
  await expectText(page, '[data-testid="policy-type"]', t('en', 'inventory.types.settings_catalog'));
});

eachProject('onboarding by hand: save a platform connection, verify, the tenant becomes active', async (page) => {
  const ids = await tenantIds();
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  const path = `${ENVIRONMENTS}/${ids['Contoso Legacy']}`;
  await goto(page, path);
  await page.locator('#connection-type').selectOption('platform');
  await submit(page, FORM.save);
  await eventually(async () => assert.equal(await page.locator('[data-testid="connection-type"]').getAttribute('data-type'), 'platform'));
  assert.ok(await page.locator(FORM.verify).isEnabled(), 'verify is possible once a connection is saved');

  await submit(page, FORM.verify);
  await page.locator(TID.runStarted).waitFor();
  const notice = await text(page, TID.runStarted);
  const operation = t('en', 'inventory.run_started.operations.verify');
  const queued = t('en', 'inventory.run_started.queued').replace('{{ operation }}', operation);
  const already = t('en', 'inventory.run_started.already').replace('{{ operation }}', operation);
  assert.ok(notice.startsWith(queued) || notice.startsWith(already), `notice: ${notice}`);
  await expectText(page, TID.runLink, t('en', 'inventory.run_started.view_run'));
  assert.match(await page.locator(TID.runLink).getAttribute('href'), /^\/admin\/workspaces\/contoso\/operations\/\d+$/);

  // The run completes in the background: the tenant turns active and the connection healthy.
  await eventually(async () => {
    await goto(page, path);
    assert.equal(await page.locator(TID.lifecycle).getAttribute('data-lifecycle'), 'active');
    assert.equal(await page.locator(TID.verification).getAttribute('data-status'), 'healthy');
  }, 45_000);
}, { timeout: 120_000 });

eachProject('read-only member: save, verify and sync are disabled with the reason', async (page) => {
  const ids = await tenantIds();
  await login(page, as('readonly@contoso.example'));
  await expectText(page, SEL.signedInAs, 'readonly@contoso.example');
  await goto(page, `${ENVIRONMENTS}/${ids['Contoso Retail']}`);
  await page.locator('[data-testid="connection-panel"]').waitFor();
  for (const button of [FORM.save, FORM.verify]) {
    assert.ok(await page.locator(button).isVisible(), `${button} stays visible`);
    assert.ok(await page.locator(button).isDisabled(), `${button} is disabled`);
  }
  const role = t('en', 'members.roles.readonly');
  await expectText(page, '[data-testid="connection-disabled-reason"]', `${t('en', 'connections.manage_disabled')} (${role})`);
  await eventually(async () => {
    await goto(page, `${ENVIRONMENTS}/${ids['Contoso Retail']}`);
    assert.ok(await page.locator(FORM.sync).isDisabled(), 'sync is disabled');
  }, 45_000);
  await expectText(page, '[data-testid="sync-disabled-reason"]', `${t('en', 'inventory.sync_disabled')} (${role})`);
  assert.equal(await page.locator('#connection-client-secret').inputValue(), '', 'the secret is never pre-filled');
});

eachProject('customer viewer: another tenant\'s policies are not found', async (page) => {
  const ids = await tenantIds();
  await login(page, as('customer@contoso.example'));
  await expectText(page, SEL.signedInAs, 'customer@contoso.example');
  const response = await goto(page, `${ENVIRONMENTS}/${ids['Contoso Holding']}/policies`);
  assert.equal(response.status(), 404);
  await expectText(page, `${SEL.errorPage(404)} h1`, t('en', 'errors.page.not_found_title'));
  assert.equal(await page.locator(TID.policyRow).count(), 0);
});

eachProject('the policy list in German', async (page) => {
  const ids = await tenantIds();
  try {
    await login(page);
    await expectText(page, SEL.signedInAs, DEMO.email);
    const list = `${ENVIRONMENTS}/${ids['Contoso Retail']}/policies`;
    await goto(page, list);
    await switchLocale(page, 'de');
    await goto(page, `${list}?visibility=all`);
    await expectText(page, 'h1', t('de', 'inventory.policies_title'));
    await expectText(page, '[data-testid="policies-table"] th:first-child', t('de', 'inventory.name'));
    await expectText(page, 'label[for="policy-visibility"]', t('de', 'inventory.visibility'));
    const shown = await page.locator('#policy-visibility').evaluate((s) => s.options[s.selectedIndex].text.trim());
    assert.equal(shown, t('de', 'inventory.visibilities.all'));
  } finally {
    await resetDemoLocale();
  }
});
