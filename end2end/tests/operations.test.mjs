// Operations and notifications: the demo's inventory syncs (queued by the server at start-up) show in the
// operations list once completed; the GET filter form (query parameters, so the same with and without
// JavaScript) narrows by outcome; a sync's detail shows its coverage table; the pages read in German; a
// read-only member sees Cancel disabled with the reason; a customer viewer (no operations.view) gets 403
// and a non-member 404; a run the owner starts shows in their notification bell and list with a
// "View run" link; an active run's detail page follows the run to its end (polling when hydrated, a
// <noscript> refresh without JavaScript); the progress widget lists the owner's own running sync (slowed
// down through the simulated Graph's control API) with a "View run" link and is gone once it ended.
// Labels are read from the locale files.

import assert from 'node:assert/strict';
import { request } from 'playwright-core';

import { as, login, logout, resetDemoLocale, SEL, switchLocale, withApi } from '../lib/actions.mjs';
import {
  arrived,
  DEMO,
  eachProject,
  eventually,
  expectPath,
  expectText,
  goto,
  pathname,
  setMarker,
  assertNoReload,
  submit,
  t,
  text,
  withPage,
} from '../lib/harness.mjs';

const CONTOSO = '/admin/workspaces/contoso';
const OPERATIONS = `${CONTOSO}/operations`;

const TID = {
  openOperations: '[data-testid="open-operations"]',
  row: '[data-testid="run-row"]',
  open: '[data-testid="run-open"]',
  apply: '[data-testid="runs-apply"]',
  filterError: '[data-testid="runs-filter-error"]',
  detail: '[data-testid="run-detail"]',
  title: '[data-testid="run-title"]',
  outcome: '[data-testid="run-detail"] [data-testid="run-outcome"]',
  coverageRow: '[data-testid="coverage-row"]',
  coverageTable: '[data-testid="coverage-table"]',
  verification: '[data-testid="run-verification"]',
  cancelButton: `form[action="/api/operations/cancel"] button[type="submit"]`,
  cancelReason: '[data-testid="cancel-disabled-reason"]',
  bell: '[data-testid="notification-bell"]',
  notificationRow: '[data-testid="notification-row"]',
  markAll: 'form[action="/api/notifications/read"] button[type="submit"]',
  widget: '[data-testid="active-runs"]',
};



async function listRuns(api, filters = {}) {
  const res = await api.post('/api/operations/list', { form: { workspace: 'contoso', ...filters } });
  assert.ok(res.ok(), `run list: HTTP ${res.status()}`);
  return res.json();
}

/** Waits until the demo's start-up runs in Contoso are done (nothing queued or running). */
async function demoRunsSettled() {
  await withApi(as(DEMO.email), (api) =>
    eventually(async () => {
      const synced = await listRuns(api, { run_type: 'inventory.sync', status: 'completed' });
      assert.ok(synced.total >= 3, `completed demo syncs: ${synced.total}`);
      for (const status of ['queued', 'running']) {
        assert.equal((await listRuns(api, { status })).total, 0, `${status} runs in contoso`);
      }
    }, 60_000),
  );
}

/** The id of the Contoso tenant named `name`. */
async function tenantId(api, name) {
  const res = await api.post('/api/tenants/list', { form: { workspace: 'contoso', status: 'all' } });
  assert.ok(res.ok(), `tenant list: HTTP ${res.status()}`);
  const tenant = (await res.json()).items.find((x) => x.display_name === name);
  assert.ok(tenant, `demo tenant ${name}`);
  return tenant.id;
}

/** Starts a run as the owner (retrying while an identical run is still active); returns its id. */
async function startRun(runType, tenantName) {
  return withApi(as(DEMO.email), async (api) => {
    const tenant = String(await tenantId(api, tenantName));
    return eventually(async () => {
      const res = await api.post('/api/operations/start', {
        form: { workspace: 'contoso', run_type: runType, tenant },
      });
      assert.ok(res.ok(), `start ${runType}: HTTP ${res.status()}`);
      const started = await res.json();
      assert.equal(started.created, true, 'a new run (not one already active)');
      return started.run.id;
    }, 60_000);
  });
}

async function runState(id) {
  return withApi(as(DEMO.email), async (api) => {
    const res = await api.post('/api/operations/get', { form: { workspace: 'contoso', id: String(id) } });
    assert.ok(res.ok(), `get run: HTTP ${res.status()}`);
    return res.json();
  });
}

/** Submits the GET filter form and waits for the filtered page (a full navigation in both projects). */
async function applyFilters(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator(TID.apply).click()]);
  await arrived(page);
}

eachProject('owner lists the demo syncs, filters by outcome and opens a sync with its coverage', async (page) => {
  await demoRunsSettled();
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await goto(page, CONTOSO);
  await expectText(page, TID.openOperations, t('en', 'operations.open'));
  await page.locator(TID.openOperations).click();
  await expectPath(page, OPERATIONS);
  await arrived(page);
  await expectText(page, 'h1', t('en', 'operations.title'));
  const types = await page.locator(TID.row).evaluateAll((rs) => rs.map((r) => r.dataset.type));
  assert.ok(types.filter((x) => x === 'inventory.sync').length >= 3, `demo syncs listed: ${types}`);
  assert.ok((await text(page, `${TID.row}[data-type="inventory.sync"] ${TID.open}`)).startsWith(
    t('en', 'operations.types.inventory_sync')));

  await page.selectOption('#runs-type', 'inventory.sync');
  await page.selectOption('#runs-outcome', 'succeeded');
  await applyFilters(page);
  assert.equal(pathname(page), OPERATIONS);
  const params = new URL(page.url()).searchParams;
  assert.equal(params.get('outcome'), 'succeeded');
  assert.equal(params.get('run_type'), 'inventory.sync');
  const rows = page.locator(TID.row);
  assert.ok((await rows.count()) >= 1, 'at least one succeeded sync');
  for (const outcome of await rows.evaluateAll((rs) => rs.map((r) => r.dataset.outcome))) {
    assert.equal(outcome, 'succeeded');
  }
  assert.equal(await page.inputValue('#runs-outcome'), 'succeeded', 'the form keeps the filter');

  await page.locator(`${TID.row} ${TID.open}`).first().click();
  await page.locator(TID.detail).waitFor();
  await arrived(page);
  assert.match(pathname(page), /^\/admin\/workspaces\/contoso\/operations\/\d+$/);
  assert.ok((await text(page, TID.title)).startsWith(t('en', 'operations.types.inventory_sync')));
  assert.equal(await page.locator(TID.outcome).getAttribute('data-outcome'), 'succeeded');
  await expectText(page, TID.outcome, t('en', 'operations.outcome.succeeded'));
  await page.locator(TID.coverageTable).waitFor();
  assert.ok((await page.locator(TID.coverageRow).count()) >= 1, 'coverage rows');
  for (const status of await page.locator(TID.coverageRow).evaluateAll((rs) => rs.map((r) => r.dataset.status))) {
    assert.equal(status, 'complete');
  }
  await expectText(page, `${TID.coverageTable} th:first-child`, t('en', 'operations.coverage.policy_type'));

  const bad = await goto(page, `${OPERATIONS}?outcome=maybe`);
  assert.equal(bad.status(), 200);
  await expectText(page, `${TID.filterError} .field-errors li`,
    `${t('en', 'fields.outcome')}: ${t('en', 'errors.field.unsupported')}`);
});

eachProject('the operations pages in German', async (page) => {
  await demoRunsSettled();
  try {
    await login(page);
    await goto(page, `${OPERATIONS}?run_type=inventory.sync`);
    await switchLocale(page, 'de');
    await expectText(page, 'h1', t('de', 'operations.title'));
    await expectText(page, 'label[for="runs-outcome"]', t('de', 'operations.filter.outcome'));
    await expectText(page, TID.apply, t('de', 'operations.filter.apply'));
    await expectText(page, `${TID.row}[data-type="inventory.sync"] ${TID.open}`, t('de', 'operations.types.inventory_sync'));
    assert.equal(await page.inputValue('#runs-type'), 'inventory.sync', 'the filter survives the switch');
    await page.locator(`${TID.row}[data-outcome="succeeded"] ${TID.open}`).first().click();
    await page.locator(TID.detail).waitFor();
    await arrived(page);
    await expectText(page, TID.outcome, t('de', 'operations.outcome.succeeded'));
    await expectText(page, `${TID.coverageTable} th:first-child`, t('de', 'operations.coverage.policy_type'));

    const bad = await goto(page, `${OPERATIONS}?stale=vielleicht`);
    assert.equal(bad.status(), 200);
    await expectText(page, `${TID.filterError} .field-errors li`,
      `${t('de', 'operations.filter.stale')}: ${t('de', 'errors.field.invalid')}`);
    await switchLocale(page, 'en');
    await expectText(page, 'h1', t('en', 'operations.title'));
  } finally {
    await resetDemoLocale();
  }
});

eachProject('read-only member sees Cancel disabled with the reason; customer 403, non-member 404', async (page) => {
  await demoRunsSettled();
  const id = await withApi(as(DEMO.email), async (api) => (await listRuns(api, { run_type: 'inventory.sync' })).items[0].id);
  await login(page, as('readonly@contoso.example'));
  await expectText(page, SEL.signedInAs, 'readonly@contoso.example');
  const res = await goto(page, `${OPERATIONS}/${id}`);
  assert.equal(res.status(), 200);
  await page.locator(TID.detail).waitFor();
  await expectText(page, TID.cancelButton, t('en', 'operations.cancel'));
  assert.equal(await page.locator(TID.cancelButton).evaluate((b) => b.matches(':disabled')), true, 'Cancel is disabled');
  await expectText(page, TID.cancelReason, t('en', 'operations.cancel_disabled_role'));

  await logout(page);
  await login(page, as('customer@contoso.example'));
  await expectText(page, SEL.signedInAs, 'customer@contoso.example');
  for (const path of [OPERATIONS, `${OPERATIONS}/${id}`]) {
    const denied = await goto(page, path);
    assert.equal(denied.status(), 403, `${path} for a member without operations.view`);
    await page.locator(SEL.errorPage(403)).waitFor();
  }
  assert.equal(await page.locator(TID.detail).count(), 0);

  await logout(page);
  await login(page, as('owner@fabrikam.example'));
  await expectText(page, SEL.signedInAs, 'owner@fabrikam.example');
  const missing = await goto(page, OPERATIONS);
  assert.equal(missing.status(), 404);
  await page.locator(SEL.errorPage(404)).waitFor();
});

eachProject('a run the owner starts ends in one notification with a View run link', async (page) => {
  await demoRunsSettled();
  const id = await startRun('provider.connection.verify', 'Contoso Holding');
  await eventually(async () => assert.equal((await runState(id)).active, false, 'the verification completed'), 60_000);

  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await goto(page, CONTOSO);
  await eventually(async () => {
    assert.ok(Number(await page.locator(TID.bell).getAttribute('data-unread')) >= 1, 'unread count on the bell');
  });
  await expectText(page, '[data-testid="notification-count"]', await page.locator(TID.bell).getAttribute('data-unread'));
  await page.locator(TID.bell).click();
  await expectPath(page, '/notifications');
  await arrived(page);
  await expectText(page, 'h1', t('en', 'notifications.title'));
  const row = page.locator(`${TID.notificationRow}[data-run="${id}"]`);
  assert.equal(await row.count(), 1, 'exactly one notification for the run');
  assert.equal(await row.getAttribute('data-unread'), 'true');
  const link = row.locator('[data-testid="notification-view-run"]');
  await expectText(page, `${TID.notificationRow}[data-run="${id}"] [data-testid="notification-view-run"]`, t('en', 'notifications.view_run'));
  assert.equal(await link.getAttribute('href'), `${OPERATIONS}/${id}`);

  await submit(page, TID.markAll);
  await eventually(async () => assert.equal(await page.locator(`${TID.notificationRow}[data-run="${id}"]`).getAttribute('data-unread'), 'false'));
  await eventually(async () => assert.equal(await page.locator(TID.bell).getAttribute('data-unread'), '0'));

  await page.locator(`${TID.notificationRow}[data-run="${id}"] [data-testid="notification-view-run"]`).click();
  await page.locator(TID.detail).waitFor();
  await arrived(page);
  assert.equal(pathname(page), `${OPERATIONS}/${id}`);
  assert.ok((await text(page, TID.title)).startsWith(t('en', 'operations.types.provider_connection_verify')));
  await page.locator(TID.verification).waitFor();
  assert.ok((await page.locator('[data-testid="check-row"]').count()) >= 1, 'verification checks');
  await expectText(page, '[data-testid="run-initiator"]', t('en', 'operations.initiator.human'));

  // Nobody else is told: the read-only member's bell shows no unread notification.
  await logout(page);
  await login(page, as('readonly@contoso.example'));
  await expectText(page, SEL.signedInAs, 'readonly@contoso.example');
  assert.equal(await page.locator(TID.bell).getAttribute('data-unread'), '0');
  assert.equal(await page.locator('[data-testid="notification-count"]').count(), 0);
});

eachProject('an active run\'s detail page follows it to its end', async (page) => {
  await demoRunsSettled();
  await login(page);
  const id = await startRun('inventory.sync', 'Contoso Retail');
  await goto(page, `${OPERATIONS}/${id}`);
  await page.locator(TID.detail).waitFor();
  const active = (await page.locator(TID.detail).getAttribute('data-active')) === 'true';
  if (active) {
    if (page.project.js) {
      await setMarker(page);
    } else {
      assert.equal(await page.locator('noscript').count(), 1, 'an active run refreshes itself without JavaScript');
    }
  }
  await eventually(
    async () => assert.equal(await page.locator(TID.detail).getAttribute('data-active'), 'false'),
    45_000,
  );
  if (active && page.project.js) await assertNoReload(page);
  assert.notEqual(await page.locator(TID.outcome).getAttribute('data-outcome'), 'pending');
  assert.equal(await page.locator('noscript').count(), 0, 'a completed run does not refresh');
  await expectText(page, TID.cancelReason, t('en', 'operations.cancel_disabled_completed'));
});

/** Slows every Graph request of the demo tenant `name` down (or clears its faults) in the simulator. */
async function slowTenant(name, ms) {
  const entra = await withApi(as(DEMO.email), async (api) => {
    const res = await api.post('/api/tenants/list', { form: { workspace: 'contoso', status: 'all' } });
    return (await res.json()).items.find((x) => x.display_name === name).entra_tenant_id;
  });
  const sim = await request.newContext({ baseURL: process.env.GRAPH_SIM_URL });
  try {
    const path = `/_sim/tenants/${entra}/faults`;
    const res = ms ? await sim.post(path, { data: { type: 'slow', ms } }) : await sim.delete(path);
    assert.ok(res.ok(), `simulator faults for ${name}: HTTP ${res.status()}`);
  } finally {
    await sim.dispose();
  }
}

eachProject('the progress widget lists the owner\'s running sync until it ends', async (page) => {
  assert.ok(process.env.GRAPH_SIM_URL, 'end2end/run exports the simulated Graph URL');
  await demoRunsSettled();
  await login(page);
  await goto(page, CONTOSO);
  assert.equal(await page.locator(TID.widget).count(), 0, 'nothing active, no widget');
  await slowTenant('Contoso Retail', 400);
  let id;
  try {
    id = await startRun('inventory.sync', 'Contoso Retail');
    await goto(page, OPERATIONS);
    await page.locator(TID.widget).waitFor();
    await expectText(page, `${TID.widget} h2`, t('en', 'operations.widget.title'));
    const row = `${TID.widget} [data-testid="active-run"][data-run="${id}"]`;
    assert.ok((await text(page, row)).startsWith(t('en', 'operations.types.inventory_sync')), 'the run type in words');
    assert.ok((await text(page, row)).includes('Contoso Retail'), 'the tenant named');
    assert.equal(await page.locator(`${row} [data-testid="active-run-link"]`).getAttribute('href'), `${OPERATIONS}/${id}`);
    await expectText(page, `${row} [data-testid="active-run-link"]`, t('en', 'operations.widget.view_run'));
    assert.equal(await page.locator(TID.widget).getAttribute('data-more'), '0');
    // The read-only member sees no widget for the owner's run.
    await withPage(page.project, async (other) => {
      await login(other, as('readonly@contoso.example'));
      await goto(other, OPERATIONS);
      assert.equal(await other.locator(TID.widget).count(), 0, 'only the initiator is shown their runs');
    });
    if (page.project.js) await setMarker(page);
  } finally {
    await slowTenant('Contoso Retail', 0);
  }
  await eventually(async () => assert.equal((await runState(id)).active, false, 'the sync ended'), 60_000);
  if (page.project.js) {
    // Hydrated: the widget's polling notices the end without a reload.
    await eventually(async () => assert.equal(await page.locator(TID.widget).count(), 0), 20_000);
    await assertNoReload(page);
  } else {
    await goto(page, OPERATIONS);
    assert.equal(await page.locator(TID.widget).count(), 0);
  }
});
