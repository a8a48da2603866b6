// The governance flow end to end: an administrator changes a policy of Contoso Retail in the simulated
// Graph (drift) → the owner syncs the environment and runs the baseline compare → the findings list shows a
// new "Different" finding for that policy, whose evidence names the setting with the baseline and the
// environment value → the owner assigns it to the operator → the operator (from My work) requests a risk
// acceptance and cannot decide on it → the manager (a second member with exceptions.approve) approves →
// the finding is risk accepted → the administrator changes the same setting again → sync and compare →
// the accepted finding is re-flagged (badge in the detail and the list, "reflagged" in its history, the
// posture counts it). JavaScript off runs the flow in German (browser language), hydrated in English; each
// then reads the finished finding in the other language after the header switch. Every project works on a
// policy of its own (by index among the "Win - General" policies, never the one the demo seed drifted), so
// the projects share the server without disturbing each other. Labels come from the locale files.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'playwright-core';

import { as, login, resetDemoLocale, SEL, switchLocale, withApi } from '../lib/actions.mjs';
import {
  arrived, DEMO, eventually, expectLang, expectText, goto, pathname, PROJECTS, submit, t, text, withPage,
} from '../lib/harness.mjs';

const CONTOSO = '/admin/workspaces/contoso';
const PROFILE = 'Contoso gold baseline';
const TENANT = 'Contoso Retail';
const SETTING = 'passwordMinimumLength';
const OPERATOR = { email: 'operator@contoso.example', name: 'Oskar Operator' };
const MANAGER = { email: 'manager@contoso.example', name: 'Max Manager' };
const OWNER_NAME = 'Olivia Owner';
// The browser language per locale (the accounts keep "automatic", so the browser decides).
const BROWSER_LOCALE = { en: 'en-US', de: 'de-DE' };

const TID = {
  sync: 'form[action="/api/inventory/sync"] button[type="submit"]',
  runStarted: '[data-testid="run-started"]',
  runLink: '[data-testid="run-started-link"]',
  runDetail: '[data-testid="run-detail"]',
  runTitle: '[data-testid="run-title"]',
  runOutcome: '[data-testid="run-detail"] [data-testid="run-outcome"]',
  baselineLink: '[data-testid="baseline-link"]',
  findingRow: '[data-testid="finding-row"]',
  findingOpen: '[data-testid="finding-open"]',
  findingsApply: '[data-testid="findings-apply"]',
  detail: '[data-testid="finding-detail"]',
  status: '[data-testid="finding-detail"] [data-testid="finding-status"]',
  reflagged: '[data-testid="finding-detail"] [data-testid="reflagged-badge"]',
  evidenceRow: `[data-testid="evidence-row"][data-key="${SETTING}"]`,
  exception: '[data-testid="exception"]',
};

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exactly = (s) => new RegExp(`^\\s*${escapeRe(s)}\\s*$`);

// ---------------------------------------------------------------------------------------------------
// The demo's data (as the owner, through the server functions) and the simulated Graph

async function post(api, path, form) {
  const res = await api.post(path, { form });
  assert.ok(res.ok(), `${path}: HTTP ${res.status()} ${await res.text()}`);
  return res.json();
}

/** Contoso Retail's id and Entra tenant id. */
const retail = () =>
  withApi(DEMO, async (api) => {
    const { items } = await post(api, '/api/tenants/list', { workspace: 'contoso', status: 'all' });
    const tenant = items.find((x) => x.display_name === TENANT);
    assert.ok(tenant, `demo tenant ${TENANT}`);
    return { id: tenant.id, entra: tenant.entra_tenant_id };
  });

/**
 * Waits until the demo seed's governance work is done: the baseline has an active snapshot, the seed's
 * risk acceptance exists, and no run of Contoso is queued or running.
 */
const demoSettled = () =>
  withApi(DEMO, (api) =>
    eventually(async () => {
      const profiles = await post(api, '/api/baselines/list', { workspace: 'contoso' });
      const profile = profiles.find((p) => p.name === PROFILE);
      assert.ok(profile?.active_snapshot_id, `the demo's "${PROFILE}" has an active snapshot`);
      const accepted = await post(api, '/api/findings/list', { workspace: 'contoso', status: 'risk_accepted' });
      assert.ok(accepted.total >= 1, 'the demo seed accepted a risk');
      for (const status of ['queued', 'running']) {
        const runs = await post(api, '/api/operations/list', { workspace: 'contoso', status });
        assert.equal(runs.total, 0, `${status} runs in contoso`);
      }
    }, 150_000),
  );

/** Runs `fn(sim)` with a request context on the simulated Graph. */
async function withSim(fn) {
  assert.ok(process.env.GRAPH_SIM_URL, 'end2end/run exports the simulated Graph URL');
  const sim = await request.newContext({ baseURL: process.env.GRAPH_SIM_URL });
  try {
    return await fn(sim);
  } finally {
    await sim.dispose();
  }
}

/** The device configurations of a simulated tenant, read through Graph with the tenant's app credential. */
const deviceConfigurations = (entra) =>
  withSim(async (sim) => {
    const info = await sim.get(`/_sim/tenants/${entra}`);
    assert.ok(info.ok(), `simulated tenant ${entra}: HTTP ${info.status()}`);
    const { client_id, client_secret } = await info.json();
    const token = await sim.post(`/${entra}/oauth2/v2.0/token`, {
      form: { grant_type: 'client_credentials', client_id, client_secret, scope: 'https://graph.microsoft.com/.default' },
    });
    assert.ok(token.ok(), `simulated token: HTTP ${token.status()} ${await token.text()}`);
    const headers = { authorization: `Bearer ${(await token.json()).access_token}` };
    const items = [];
    let url = '/beta/deviceManagement/deviceConfigurations';
    while (url) {
      const page = await eventually(async () => {
        const res = await sim.get(url, { headers });
        assert.ok(res.ok(), `simulated Graph ${url}: HTTP ${res.status()}`);
        return res.json();
      }, 20_000);
      items.push(...page.value);
      url = page['@odata.nextLink'];
    }
    return items;
  });

/**
 * The policy this project works on: the `index`-th "Win - General" device configuration by name, never
 * the one the demo seed drifted (the first device configuration by name, in either collation).
 */
async function pickPolicy(entra, index) {
  const all = await deviceConfigurations(entra);
  const names = all.map((p) => p.displayName);
  const binary = [...names].sort()[0];
  const folded = [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))[0];
  const candidates = all
    .filter((p) => /^Win - General \d+$/.test(p.displayName) && ![binary, folded].includes(p.displayName))
    .sort((a, b) => (a.displayName < b.displayName ? -1 : 1));
  const policy = candidates[index];
  assert.ok(policy, `a "Win - General" policy #${index} in ${TENANT} (found ${candidates.length})`);
  assert.equal(typeof policy[SETTING], 'number', `${policy.displayName} has ${SETTING}`);
  return { id: policy.id, name: policy.displayName, value: policy[SETTING] };
}

/** Changes `SETTING` of the policy in the simulated Graph, as an administrator in the portal would. */
const drift = (entra, policy, value) =>
  withSim(async (sim) => {
    const res = await sim.post(`/_sim/tenants/${entra}/drift`, {
      data: { op: 'update', path: `deviceManagement/deviceConfigurations/${policy.id}`, set: { [SETTING]: value } },
    });
    assert.ok(res.ok(), `drift: HTTP ${res.status()} ${await res.text()}`);
  });

/** Puts the stored language of the accounts back to "automatic" (a failed test must not leave one set). */
async function resetLocales() {
  await resetDemoLocale();
  for (const { email } of [OPERATOR, MANAGER]) {
    await withApi(as(email), (api) => post(api, '/api/prefs/locale', { locale: 'auto' }));
  }
}

// ---------------------------------------------------------------------------------------------------
// Steps in the browser

/** Follows the "View run" link of the notice the last submit showed and waits until the run ended. */
async function followRun(page, locale, type) {
  await page.locator(TID.runStarted).waitFor();
  assert.equal(await page.locator(TID.runStarted).getAttribute('data-created'), 'true', 'a new run was queued');
  await expectText(page, TID.runLink, t(locale, 'inventory.run_started.view_run'));
  const href = await page.locator(TID.runLink).getAttribute('href');
  assert.match(href, /^\/admin\/workspaces\/contoso\/operations\/\d+$/);
  await goto(page, href);
  await page.locator(TID.runDetail).waitFor();
  await eventually(async () => assert.equal(await page.locator(TID.runDetail).getAttribute('data-active'), 'false'), 120_000);
  assert.ok((await text(page, TID.runTitle)).startsWith(t(locale, `operations.types.${type}`)), 'the run type in words');
  assert.equal(await page.locator(TID.runOutcome).getAttribute('data-outcome'), 'succeeded', `${type} succeeded`);
  await expectText(page, TID.runOutcome, t(locale, 'operations.outcome.succeeded'));
}

/** Syncs the tenant's inventory from its page and waits for the run. */
async function syncTenant(page, locale, tenant) {
  await goto(page, `${CONTOSO}/environments/${tenant.id}`);
  await submit(page, TID.sync);
  await followRun(page, locale, 'inventory_sync');
}

/** Opens the baseline from the baselines list and compares the tenant; waits for the run. */
async function compareTenant(page, locale, tenant) {
  await goto(page, `${CONTOSO}/baselines`);
  await expectText(page, 'h1', t(locale, 'baselines.title'));
  const link = page.locator(TID.baselineLink).filter({ hasText: exactly(PROFILE) });
  const href = await link.getAttribute('href');
  await link.click();
  await page.waitForURL((url) => url.pathname === href);
  await page.locator('[data-testid="baseline-name"]').waitFor();
  await arrived(page);
  await expectText(page, '[data-testid="baseline-name"]', PROFILE);
  const row = `[data-testid="assigned-row"][data-tenant="${tenant.id}"]`;
  await expectText(page, `${row} [data-testid="compare-tenant"]`, t(locale, 'baselines.compare'));
  await submit(page, `${row} [data-testid="compare-tenant"]`);
  await followRun(page, locale, 'compare_run');
}

/** Submits the findings filter form (GET) and waits for the filtered list. */
async function applyFilters(page, check) {
  await Promise.all([
    page.waitForURL((url) => url.pathname === `${CONTOSO}/findings` && check(url.searchParams)),
    page.locator(TID.findingsApply).click(),
  ]);
  await page.locator('[data-testid="findings-filters"]').waitFor();
  await arrived(page);
}

/** The list row of the finding about `name`. */
const rowOf = (page, name) =>
  page.locator(TID.findingRow).filter({ has: page.locator(TID.findingOpen, { hasText: exactly(name) }) });

/** Opens a finding from a list by clicking its subject. */
async function openFinding(page, row) {
  const href = await row.locator(TID.findingOpen).getAttribute('href');
  await row.locator(TID.findingOpen).click();
  await page.waitForURL((url) => url.pathname === href);
  await page.locator(TID.detail).waitFor();
  await arrived(page);
  return href;
}

/** The evidence row of the drifted setting shows the baseline and the environment value. */
async function expectEvidence(page, locale, baseline, tenant) {
  await expectText(page, '[data-testid="evidence-profile"]', PROFILE);
  await expectText(page, '[data-testid="evidence-table"] th:nth-child(2)', t(locale, 'findings.evidence.baseline_value'));
  await expectText(page, '[data-testid="evidence-table"] th:nth-child(3)', t(locale, 'findings.evidence.tenant_value'));
  await expectText(page, `${TID.evidenceRow} td:nth-child(1)`, SETTING);
  await expectText(page, `${TID.evidenceRow} td:nth-child(2)`, String(baseline));
  await expectText(page, `${TID.evidenceRow} td:nth-child(3)`, String(tenant));
}

const expectStatus = async (page, locale, status) => {
  await eventually(async () => assert.equal(await page.locator(TID.detail).getAttribute('data-status'), status));
  await expectText(page, TID.status, t(locale, `findings.status.${status === 'new' ? 'new_status' : status}`));
};

/** A date `days` from now, as the date input takes it (YYYY-MM-DD, UTC). */
const inDays = (days) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------------

async function governanceFlow(page, locale, index) {
  const other = locale === 'en' ? 'de' : 'en';
  const context = { locale: BROWSER_LOCALE[locale] };
  await demoSettled();
  const tenant = await retail();
  const policy = await pickPolicy(tenant.entra, index);
  const [first, second] = [4, 5];
  assert.ok(![first, second].includes(policy.value), `${policy.name} is untouched (${SETTING} = ${policy.value})`);

  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await expectLang(page, locale);

  // 1–2. Drift in the simulator, then sync and compare.
  await drift(tenant.entra, policy, first);
  await syncTenant(page, locale, tenant);
  await compareTenant(page, locale, tenant);

  // 3. The new finding in the list (filtered to the environment), then its evidence.
  await goto(page, `${CONTOSO}/findings`);
  await expectText(page, 'h1', t(locale, 'findings.title'));
  await expectText(page, 'label[for="f-tenant"]', t(locale, 'findings.filter.tenant'));
  await page.selectOption('#f-tenant', { label: TENANT });
  await applyFilters(page, (q) => q.get('tenant') === String(tenant.id));
  const row = rowOf(page, policy.name);
  await eventually(async () => assert.equal(await row.count(), 1, `one finding about ${policy.name}`));
  assert.equal(await row.getAttribute('data-status'), 'new');
  await expectText(page, `${TID.findingRow}[data-id="${await row.getAttribute('data-id')}"] td[data-kind="different"]`,
    t(locale, 'findings.kind.different'));
  assert.equal(await row.locator('[data-testid="finding-unassigned"]').count(), 1, 'nobody is assigned yet');
  const href = await openFinding(page, row);
  assert.match(href, /^\/admin\/workspaces\/contoso\/findings\/\d+$/);
  const id = href.split('/').pop();
  await expectText(page, '[data-testid="finding-title"]', policy.name);
  await expectStatus(page, locale, 'new');
  assert.equal(await page.locator('[data-testid="finding-kind"]').getAttribute('data-kind'), 'different');
  await expectText(page, '[data-testid="finding-kind"]', t(locale, 'findings.kind.different'));
  await expectText(page, '[data-testid="finding-tenant"]', TENANT);
  await expectText(page, '[data-testid="evidence"] h2', t(locale, 'findings.evidence.title'));
  await expectEvidence(page, locale, policy.value, first);
  await expectText(page, '[data-testid="exceptions-empty"]', t(locale, 'findings.exceptions.empty'));

  // 4a. The owner assigns it to the operator.
  await expectText(page, '[data-testid="assign"]', t(locale, 'findings.assign_submit'));
  await page.selectOption('#assign-owner', { label: OWNER_NAME });
  await page.selectOption('#assign-assignee', { label: OPERATOR.name });
  await submit(page, '[data-testid="assign"]');
  await expectText(page, '[data-testid="finding-detail"] [data-testid="finding-assignee"]', OPERATOR.name);
  await expectText(page, '[data-testid="finding-owner"]', OWNER_NAME);
  assert.equal(await page.locator('[data-testid="event-row"][data-kind="assignment"]').count(), 1, 'the assignment in the history');

  // 4b. The operator finds it in My work and requests a risk acceptance; they cannot decide on it.
  const reason = `Kiosk build ${policy.name} needs the shorter password until the rollout (e2e ${page.project.name}).`;
  await withPage(page.project, async (op) => {
    await login(op, as(OPERATOR.email));
    await expectText(op, SEL.signedInAs, OPERATOR.email);
    await goto(op, `${CONTOSO}/my-work`);
    await expectText(op, 'h1', t(locale, 'findings.my_work_title'));
    const mine = op.locator(`${TID.findingRow}[data-id="${id}"]`);
    await expectText(op, `${TID.findingRow}[data-id="${id}"] ${TID.findingOpen}`, policy.name);
    await openFinding(op, mine);
    await expectText(op, '[data-testid="risk-acceptance"] h2', t(locale, 'findings.exceptions.title'));
    await expectText(op, 'label[for="x-reason"]', t(locale, 'findings.exceptions.reason'));
    await op.fill('#x-reason', reason);
    await op.fill('#x-expires', inDays(30));
    await expectText(op, '[data-testid="request-exception"]', t(locale, 'findings.exceptions.request'));
    await submit(op, '[data-testid="request-exception"]');
    await eventually(async () => assert.equal(await op.locator(TID.exception).getAttribute('data-status'), 'pending'));
    await expectText(op, `${TID.exception} [data-testid="exception-status"]`, t(locale, 'findings.exception_status.pending'));
    await expectText(op, `${TID.exception} [data-testid="exception-reason"]`, reason);
    assert.ok(await op.locator('[data-testid="approve-exception"]').isDisabled(), 'the operator cannot approve');
    await expectText(op, '[data-testid="approve-disabled-reason"]', t(locale, 'findings.exceptions.approve_disabled'));
    await expectStatus(op, locale, 'new');
  }, context);

  // 4c. The manager, a second member allowed to decide, approves: the finding is risk accepted.
  await withPage(page.project, async (mgr) => {
    await login(mgr, as(MANAGER.email));
    await expectText(mgr, SEL.signedInAs, MANAGER.email);
    await goto(mgr, href);
    await expectText(mgr, `${TID.exception} [data-testid="exception-reason"]`, reason);
    await expectText(mgr, '[data-testid="approve-exception"]', t(locale, 'findings.exceptions.approve'));
    assert.ok(await mgr.locator('[data-testid="approve-exception"]').isEnabled(), 'the manager may approve');
    await mgr.fill('[data-testid="approve-form"] input[name="reason"]', 'Accepted for the rollout; reviewed monthly.');
    await submit(mgr, '[data-testid="approve-exception"]');
    await expectStatus(mgr, locale, 'risk_accepted');
    assert.equal(await mgr.locator(TID.exception).getAttribute('data-status'), 'active');
    await expectText(mgr, `${TID.exception} [data-testid="exception-status"]`, t(locale, 'findings.exception_status.active'));
    await mgr.locator(`${TID.exception} [data-testid="decision"][data-decision="approved"]`).waitFor();
    assert.ok((await text(mgr, `${TID.exception} [data-testid="decision"][data-decision="approved"]`)).includes(MANAGER.name));
    assert.equal(await mgr.locator(TID.reflagged).count(), 0, 'not re-flagged yet');
  }, context);

  // 5. The accepted setting changes again: sync, compare → the finding is re-flagged.
  await drift(tenant.entra, policy, second);
  await syncTenant(page, locale, tenant);
  await compareTenant(page, locale, tenant);

  await goto(page, `${CONTOSO}/findings?tenant=${tenant.id}`);
  await page.selectOption('#f-status', 'risk_accepted');
  await page.check('#f-reflagged');
  await expectText(page, 'label:has(#f-reflagged)', t(locale, 'findings.filter.reflagged'));
  await applyFilters(page, (q) => q.get('status') === 'risk_accepted' && q.get('reflagged') === '1');
  const flagged = page.locator(`${TID.findingRow}[data-id="${id}"]`);
  await eventually(async () => assert.equal(await flagged.count(), 1, 'the re-flagged filter lists the finding'));
  assert.equal(await flagged.getAttribute('data-status'), 'risk_accepted');
  await expectText(page, `${TID.findingRow}[data-id="${id}"] [data-testid="reflagged-badge"]`, t(locale, 'findings.reflagged'));
  await openFinding(page, flagged);
  await expectStatus(page, locale, 'risk_accepted');
  await expectText(page, TID.reflagged, t(locale, 'findings.reflagged'));
  await expectEvidence(page, locale, policy.value, second);
  assert.equal(await page.locator('[data-testid="event-row"][data-kind="reflagged"]').count(), 1, 'the re-flag in the history');
  assert.equal(await page.locator(TID.exception).getAttribute('data-status'), 'active', 'the acceptance stays active');

  // The posture counts the re-flagged and the accepted finding for the environment.
  await goto(page, `${CONTOSO}/posture`);
  await expectText(page, 'h1', t(locale, 'findings.posture.title'));
  const posture = `[data-testid="posture-row"][data-tenant="${tenant.id}"]`;
  assert.ok(Number(await text(page, `${posture} [data-testid="posture-reflagged"]`)) >= 1, 're-flagged counted');
  assert.ok(Number(await text(page, `${posture} [data-testid="posture-accepted"]`)) >= 2, 'accepted counted (with the seed\'s)');

  // The finished finding in the other language (the header switch stores the owner's choice).
  await goto(page, href);
  await switchLocale(page, other);
  await expectLang(page, other);
  await expectText(page, '[data-testid="finding-title"]', policy.name);
  await expectStatus(page, other, 'risk_accepted');
  await expectText(page, TID.reflagged, t(other, 'findings.reflagged'));
  await expectText(page, '[data-testid="finding-kind"]', t(other, 'findings.kind.different'));
  await expectText(page, '[data-testid="evidence"] h2', t(other, 'findings.evidence.title'));
  await expectEvidence(page, other, policy.value, second);
  await expectText(page, `${TID.exception} [data-testid="exception-status"]`, t(other, 'findings.exception_status.active'));
  await expectText(page, '[data-testid="risk-acceptance"] h2', t(other, 'findings.exceptions.title'));
  await expectText(page, '[data-testid="history"] h2', t(other, 'findings.history'));
  assert.equal(pathname(page), href);

  // 6. The owner asks to renew the acceptance: a second, pending request next to the active one.
  await expectText(page, '[data-testid="renew-form"] legend', t(other, 'findings.exceptions.renew_title'));
  await page.fill('[data-testid="renew-form"] textarea[name="reason"]', `Rollout slipped (e2e ${page.project.name}).`);
  await page.fill('[data-testid="renew-form"] input[name="expires_at"]', inDays(60));
  await expectText(page, '[data-testid="renew-exception"]', t(other, 'findings.exceptions.renew'));
  await submit(page, '[data-testid="renew-exception"]');
  const renewal = `${TID.exception}[data-status="pending"]`;
  await eventually(async () => assert.equal(await page.locator(renewal).count(), 1, 'the renewal request is listed'));
  await expectText(page, `${renewal} [data-testid="exception-reason"]`, `Rollout slipped (e2e ${page.project.name}).`);
  assert.equal(await page.locator(`${TID.exception}[data-status="active"]`).count(), 1, 'the active acceptance stays until the renewal is approved');
  assert.equal(pathname(page), href);

  // 7. The workspace's SLA settings on the posture page: the owner changes one and sets it back.
  await goto(page, `${CONTOSO}/posture`);
  await expectText(page, '[data-testid="governance-settings"] h2', t(other, 'findings.settings.title'));
  await expectText(page, 'label[for="gs-sla_low_days"]', t(other, 'findings.settings.sla_low'));
  for (const days of [String(41 + index), '30']) {
    await page.fill('[data-testid="setting-sla_low_days"]', days);
    await submit(page, '[data-testid="save-settings"]');
    await eventually(async () => assert.equal(await page.inputValue('[data-testid="setting-sla_low_days"]'), days));
    assert.equal(pathname(page), `${CONTOSO}/posture`);
  }
}

// JavaScript off in German, hydrated in English; each project its own policy.
for (const [project, locale, index] of [[PROJECTS[0], 'de', 0], [PROJECTS[1], 'en', 1]]) {
  test(
    `[${project.name}] governance (${locale}): drift → compare → finding → assign → acceptance → approval → re-flag`,
    { timeout: 420_000 },
    async () => {
      try {
        await withPage(project, (page) => governanceFlow(page, locale, index), { locale: BROWSER_LOCALE[locale] });
      } finally {
        await resetLocales();
      }
    },
  );
}
