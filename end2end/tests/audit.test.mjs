// The audit log: the owner opens it from the workspace dashboard, filters by action with the GET form
// (query parameters, so the same with and without JavaScript), opens an entry, and reads the page in
// German. Entries come from renaming a tenant through the server functions; labels are read from the
// locale files.

import assert from 'node:assert/strict';
import { request } from 'playwright-core';

import { login, resetDemoLocale, SEL, switchLocale } from '../lib/actions.mjs';
import { arrived, BASE_URL, DEMO, eachProject, expectPath, expectText, goto, pathname, t, text } from '../lib/harness.mjs';

const CONTOSO = '/admin/workspaces/contoso';
const AUDIT = `${CONTOSO}/audit`;

const TID = {
  openAudit: '[data-testid="open-audit"]',
  row: '[data-testid="audit-row"]',
  open: '[data-testid="audit-open"]',
  apply: '[data-testid="audit-apply"]',
  detailAction: '[data-testid="audit-detail-action"]',
  detailHash: '[data-testid="audit-detail-hash"]',
  exportCsv: '[data-testid="audit-export-csv"]',
};

/** Renames the first contoso tenant away and back as the demo owner: two `tenant.rename` entries. */
async function renameTwice(tag) {
  const api = await request.newContext({ baseURL: BASE_URL });
  try {
    const signIn = await api.post('/api/auth/login', { form: { email: DEMO.email, password: DEMO.password } });
    assert.ok(signIn.ok(), `API sign-in: HTTP ${signIn.status()}`);
    const list = await api.post('/api/tenants/list', { form: { workspace: 'contoso', status: 'all' } });
    assert.ok(list.ok(), `tenant list: HTTP ${list.status()}`);
    const tenant = (await list.json()).items[0];
    for (const name of [`${tenant.display_name} ${tag}`, tenant.display_name]) {
      const res = await api.post('/api/tenants/rename', {
        form: { workspace: 'contoso', tenant: String(tenant.id), display_name: name },
      });
      assert.ok(res.ok(), `rename: HTTP ${res.status()}`);
    }
  } finally {
    await api.dispose();
  }
}

/** Submits the GET filter form and waits for the filtered page (a full navigation in both projects). */
async function applyFilters(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator(TID.apply).click()]);
  await arrived(page);
}

eachProject('owner opens the audit log, filters by action and opens an entry', async (page) => {
  await renameTwice(page.project.name);
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await goto(page, CONTOSO);
  await expectText(page, TID.openAudit, t('en', 'audit.open'));
  await page.locator(TID.openAudit).click();
  await expectPath(page, AUDIT);
  await arrived(page);
  await expectText(page, 'h1', t('en', 'audit.title'));
  await expectText(page, 'label[for="audit-action"]', t('en', 'audit.filter.action'));

  await page.fill('#audit-action', 'tenant.rename');
  await applyFilters(page);
  assert.equal(pathname(page), AUDIT);
  assert.equal(new URL(page.url()).searchParams.get('action'), 'tenant.rename');
  const rows = page.locator(TID.row);
  assert.ok((await rows.count()) >= 2, 'at least the two renames');
  for (const action of await rows.evaluateAll((rs) => rs.map((r) => r.dataset.action))) {
    assert.equal(action, 'tenant.rename');
  }
  assert.match(await page.locator(TID.exportCsv).getAttribute('href'), /export\.csv\?action=tenant\.rename$/);

  await page.locator(`${TID.row} ${TID.open}`).first().click();
  await page.locator(TID.detailAction).waitFor();
  await arrived(page);
  assert.match(pathname(page), /^\/admin\/workspaces\/contoso\/audit\/\d+$/);
  await expectText(page, TID.detailAction, 'tenant.rename');
  assert.match(await text(page, TID.detailHash), /^[0-9a-f]{64}$/);
  assert.ok((await text(page, 'h1')).startsWith(t('en', 'audit.detail_title')));
});

eachProject('the audit log in German', async (page) => {
  try {
    await login(page);
    await goto(page, `${AUDIT}?action=tenant.`);
    await switchLocale(page, 'de');
    await expectText(page, 'h1', t('de', 'audit.title'));
    await expectText(page, 'label[for="audit-action"]', t('de', 'audit.filter.action'));
    await expectText(page, '[data-testid="audit-table"] th:first-child', t('de', 'audit.col.time'));
    await expectText(page, TID.apply, t('de', 'audit.filter.apply'));
    await expectText(page, TID.exportCsv, t('de', 'audit.export_csv'));
    assert.equal(await page.inputValue('#audit-action'), 'tenant.', 'the filter survives the switch');

    const bad = await goto(page, `${AUDIT}?from=2026-02-30`);
    assert.equal(bad.status(), 200);
    await expectText(page, '[data-testid="audit-filter-error"] .field-errors li',
      `${t('de', 'fields.from')}: ${t('de', 'errors.field.invalid_date')}`);
    await switchLocale(page, 'en');
    await expectText(page, 'h1', t('en', 'audit.title'));
  } finally {
    await resetDemoLocale();
  }
});
