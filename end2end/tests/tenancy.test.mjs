// Workspaces and members: the chooser's auto-selection and no-access page, inviting a member who creates
// their account through the link, changing their role, actions disabled with their reason, the customer
// viewer's narrowed view (404 elsewhere), and the tenancy pages in German. Every test's data is unique
// (random invite emails), so the suite can run twice against one server.

import assert from 'node:assert/strict';

import { as, login, SEL, switchLocale, withApi } from '../lib/actions.mjs';
import {
  arrived, DEMO, eachProject, eventually, expectPath, expectText, goto, pathname, submit, t, text, withPage,
} from '../lib/harness.mjs';

const CONTOSO = '/admin/workspaces/contoso';
const MEMBERS = `${CONTOSO}/members`;
const ENVIRONMENTS = `${CONTOSO}/environments`;

const TID = {
  workspaceName: '[data-testid="workspace-name"]',
  noAccess: '[data-testid="no-access"]',
  inviteLink: '[data-testid="invite-link"]',
  inviteCreatedEmail: '[data-testid="invite-created-email"]',
  inviteWorkspace: '[data-testid="invite-workspace"]',
  inviteRole: '[data-testid="invite-role"]',
  inviteGone: '[data-testid="invite-gone"]',
  memberRow: (email) => `[data-testid="member-row"][data-email="${email}"]`,
  tenantsTable: '[data-testid="tenants-table"]',
  disabledReason: '[data-testid="disabled-reason"]',
  membersDisabledReason: '[data-testid="members-disabled-reason"]',
};

const uniqueEmail = (page) =>
  `e2e-${page.project.name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;


/** Puts `who`'s stored language back to "automatic", so a failed test cannot leave them in German. */
const resetLocale = (who) =>
  withApi(who, async (api) => {
    const reset = await api.post('/api/prefs/locale', { form: { locale: 'auto' } });
    assert.ok(reset.ok(), `locale reset: HTTP ${reset.status()}`);
  });

eachProject('workspace chooser: a single workspace is selected automatically', async (page) => {
  await login(page, as('owner@fabrikam.example'));
  await expectText(page, SEL.signedInAs, 'owner@fabrikam.example');
  await goto(page, '/admin');
  await expectPath(page, '/admin/workspaces/fabrikam');
  await expectText(page, TID.workspaceName, 'Fabrikam IT');
  await expectText(page, '[data-testid="workspace-role"]', t('en', 'members.roles.owner'));
});

eachProject('workspace chooser: no membership shows the no-access page', async (page) => {
  await login(page, as('platform@tenantpilot.example'));
  await expectText(page, SEL.signedInAs, 'platform@tenantpilot.example');
  const response = await goto(page, '/admin');
  await expectPath(page, '/admin/no-access');
  assert.equal(response.status(), 200, 'the no-access page is not an error page');
  await expectText(page, `${TID.noAccess} h1`, t('en', 'workspaces.no_access_title'));
  await expectText(page, `${TID.noAccess} p`, t('en', 'workspaces.no_access_body'));
});

eachProject('owner invites a member, who creates an account through the link; owner changes the role', async (page) => {
  const email = uniqueEmail(page);
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await goto(page, CONTOSO);
  await page.locator(`a[href="${MEMBERS}"]`).click();
  await expectPath(page, MEMBERS);
  await expectText(page, 'h1', t('en', 'members.title'));

  await page.fill('#invite-email', email);
  await page.selectOption('#invite-role', 'readonly');
  await submit(page, 'form[action="/api/members/invite"] button[type="submit"]');
  await expectText(page, TID.inviteCreatedEmail, email);
  const link = await page.locator(TID.inviteLink).inputValue();
  assert.match(link, /\/invite\/[0-9a-f]{64}$/, 'invite link');
  const invitePath = new URL(link).pathname;
  await expectText(page, `[data-testid="invite-row"][data-email="${email}"] td:nth-child(2)`, t('en', 'members.roles.readonly'));

  // The invitee, in a fresh browser context (no session): sees the offer, creates the account, lands in the workspace.
  await withPage(page.project, async (guest) => {
    await goto(guest, invitePath);
    await expectText(guest, TID.inviteWorkspace, 'Contoso MSP');
    await expectText(guest, TID.inviteRole, t('en', 'members.roles.readonly'));
    await expectText(guest, '[data-testid="invite-email"]', email);
    await guest.fill('#display_name', 'Erin Example');
    await guest.fill('#password', 'a-long-e2e-password');
    await submit(guest, 'form[action="/api/invites/register"] button[type="submit"]');
    await expectPath(guest, CONTOSO);
    await expectText(guest, TID.workspaceName, 'Contoso MSP');
    await expectText(guest, '[data-testid="workspace-role"]', t('en', 'members.roles.readonly'));
    await expectText(guest, SEL.signedInAs, email);
    // The link works once.
    const again = await goto(guest, invitePath);
    assert.equal(again.status(), 410);
    await expectText(guest, `${TID.inviteGone} h1`, t('en', 'members.invite_page.used_title'));
  });

  // Back at the owner: the new member is listed as read-only; change them to operator.
  await goto(page, MEMBERS);
  const row = TID.memberRow(email);
  await expectText(page, `${row} [data-testid="member-role"]`, t('en', 'members.roles.readonly'));
  assert.equal(await page.locator(`[data-testid="invite-row"][data-email="${email}"]`).count(), 0, 'invite still open');
  await page.locator(`${row} select[name="role"]`).selectOption('operator');
  await submit(page, `${row} form[action="/api/members/role"] button[type="submit"]`);
  assert.equal(pathname(page), MEMBERS);
  await expectText(page, `${row} [data-testid="member-role"]`, t('en', 'members.roles.operator'));
  await goto(page, MEMBERS);
  await expectText(page, `${row} [data-testid="member-role"]`, t('en', 'members.roles.operator'));
}, { timeout: 120_000 });

eachProject('read-only member: management actions are visible but disabled, with the reason', async (page) => {
  await login(page, as('readonly@contoso.example'));
  await expectText(page, SEL.signedInAs, 'readonly@contoso.example');
  await goto(page, ENVIRONMENTS);
  await expectText(page, 'h1', t('en', 'tenants.title'));
  const create = page.locator('form[action="/api/tenants/create"]');
  assert.ok(await create.locator('button[type="submit"]').isVisible(), 'the create action stays visible');
  assert.ok(await create.locator('button[type="submit"]').isDisabled(), 'the create action is disabled');
  assert.ok(await page.locator('#display_name').isDisabled());
  await expectText(page, TID.disabledReason, `${t('en', 'tenants.manage_disabled')} (${t('en', 'members.roles.readonly')})`);

  await goto(page, MEMBERS);
  await expectText(page, 'h1', t('en', 'members.title'));
  assert.ok(await page.locator('form[action="/api/members/invite"] button[type="submit"]').isDisabled());
  assert.ok(await page.locator(`${TID.memberRow(DEMO.email)} form[action="/api/members/remove"] button`).isDisabled());
  await expectText(
    page,
    TID.membersDisabledReason,
    `${t('en', 'members.manage_disabled')} (${t('en', 'members.roles.readonly')})`,
  );
});

eachProject('customer viewer sees only their environment and gets 404 for another', async (page) => {
  const all = await withApi(as(DEMO.email), async (api) => {
    const res = await api.post('/api/tenants/list', { form: { workspace: 'contoso', status: 'all' } });
    assert.ok(res.ok(), `tenant list: HTTP ${res.status()}`);
    return (await res.json()).items;
  });
  const mine = all.find((x) => x.display_name === 'Contoso Retail');
  const other = all.find((x) => x.display_name !== 'Contoso Retail');
  assert.ok(mine && other, 'demo tenants');

  await login(page, as('customer@contoso.example'));
  await expectText(page, SEL.signedInAs, 'customer@contoso.example');
  await goto(page, ENVIRONMENTS);
  const rows = page.locator(`${TID.tenantsTable} tbody tr`);
  assert.equal(await rows.count(), 1);
  assert.equal(await text(page, `${TID.tenantsTable} tbody tr td:first-child`), 'Contoso Retail');

  const own = await goto(page, `${ENVIRONMENTS}/${mine.id}`);
  assert.equal(own.status(), 200);
  await expectText(page, '[data-testid="tenant-name"]', 'Contoso Retail');

  const response = await goto(page, `${ENVIRONMENTS}/${other.id}`);
  assert.equal(response.status(), 404);
  await page.locator(SEL.errorPage(404)).waitFor();
  await expectText(page, `${SEL.errorPage(404)} h1`, t('en', 'errors.page.not_found_title'));
  assert.equal(await page.locator('[data-testid="tenant-name"]').count(), 0);
});

eachProject('environments list: search and status filters live in the URL', async (page) => {
  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await goto(page, ENVIRONMENTS);
  const rows = page.locator(`${TID.tenantsTable} tbody tr`);
  assert.ok((await rows.count()) >= 5, 'the demo environments are listed');
  await page.locator('#tenant-search').fill('RETAIL');
  const apply = page.locator('[data-testid="tenant-filters"] button[type="submit"]');
  if (page.project.js) {
    await apply.click();
    await page.waitForURL((url) => url.searchParams.get('q') === 'RETAIL');
    await arrived(page);
  } else {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), apply.click()]);
    await arrived(page);
  }
  await eventually(async () => assert.equal(await rows.count(), 1));
  assert.equal(await text(page, `${TID.tenantsTable} tbody tr td:first-child`), 'Contoso Retail');
  await expectText(page, `${TID.tenantsTable} tbody tr [data-lifecycle="active"]`, t('en', 'tenants.lifecycles.active'));
  assert.equal(await page.locator('#tenant-search').inputValue(), 'RETAIL', 'the filter keeps its value');
  // A filter that matches nothing says so; the pager shows one page.
  await goto(page, `${ENVIRONMENTS}?q=no-such-environment&status=all`);
  assert.equal(await rows.count(), 0);
  await page.locator('[data-testid="tenants-none"]').waitFor();
  await expectText(page, '[data-testid="tenants-none"]', t('en', 'tenants.none_found'));
});

eachProject('tenancy pages in German and English', async (page) => {
  const manager = as('manager@contoso.example');
  try {
    await login(page, manager);
    await expectText(page, SEL.signedInAs, manager.email);
    await goto(page, MEMBERS);
    await expectText(page, 'h1', t('en', 'members.title'));

    await switchLocale(page, 'de');
    assert.equal(pathname(page), MEMBERS);
    await expectText(page, 'h1', t('de', 'members.title'));
    await expectText(page, `${TID.memberRow(DEMO.email)} [data-testid="member-role"]`, t('de', 'members.roles.owner'));
    await expectText(page, 'label[for="invite-email"]', t('de', 'fields.email'));
    await expectText(
      page,
      TID.membersDisabledReason,
      `${t('de', 'members.manage_disabled')} (${t('de', 'members.roles.manager')})`,
    );
    await goto(page, ENVIRONMENTS); // the stored preference carries over
    await expectText(page, 'h1', t('de', 'tenants.title'));
    await expectText(page, `${TID.tenantsTable} th:first-child`, t('de', 'tenants.name'));
    await expectText(page, `${TID.tenantsTable} [data-lifecycle="active"]`, t('de', 'tenants.lifecycles.active'));
    await expectText(page, 'label[for="tenant-search"]', t('de', 'tenants.search'));
    await goto(page, CONTOSO);
    await expectText(page, `a[href="${MEMBERS}"]`, t('de', 'members.open'));
    await expectText(page, '[data-testid="workspace-role"]', t('de', 'members.roles.manager'));

    await switchLocale(page, 'en');
    await expectText(page, `a[href="${MEMBERS}"]`, t('en', 'members.open'));
    await goto(page, MEMBERS);
    await expectText(page, 'h1', t('en', 'members.title'));
    await expectText(page, `${TID.memberRow(DEMO.email)} [data-testid="member-role"]`, t('en', 'members.roles.owner'));
  } finally {
    await resetLocale(manager);
  }
});
