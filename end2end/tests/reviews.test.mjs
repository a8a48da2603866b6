// The Customer Review Workspace end to end. The customer viewer (narrowed to Contoso Retail) opens the
// workspace: one card, Retail's latest published review with its status, accepted risks and key findings,
// and the customer-safe review page behind it — and neither page carries an admin or remediation control
// (no form posting to publish / archive / generate_pack / create / generate_snapshot, no link into the
// findings). The read-only member opens the workspace too (no controls, no acknowledgement). Then a pack
// is downloaded from a card (the download form: with JavaScript off a form post answered with a redirect
// to the signed link, hydrated the server function's link opened by the page), checked to be a ZIP and
// verified on the verify page; the latest review is acknowledged; the owner publishes a newer review of
// the same environment, and the workspace asks for a re-acknowledgement.
//
// Both projects share one server and database, and publishing and acknowledging change shared state
// (acknowledgements belong to a review, not to a user), so each project owns one environment and the
// flows are deterministic whichever project runs first:
// - hydrated (English, the browser's language) owns Contoso Retail: the customer downloads Retail's
//   English pack, verifies and acknowledges it; the owner publishes the demo's newer unpublished Retail
//   review from the register and its detail page; the customer sees "re-acknowledgement required" and
//   acknowledges again.
// - JavaScript off (German) owns Contoso Manufacturing: the owner (customer_reviews.view, every
//   environment) reads the workspace, downloads Manufacturing's German pack, verifies and acknowledges it,
//   creates a review from the latest evidence in the register, publishes it once composed, and sees
//   "re-acknowledgement required" on Manufacturing's card.
// The customer's and the read-only member's readings in both projects assert only what neither flow
// changes (the published review is whichever Retail's latest is at that moment, as the API reports it).
// Each project then reads its card in the other language after the header switch. The demo seeds the
// reviews after its governance demo, in the background: the test waits until both environments' packs
// are ready and Retail's newer review is composed. Labels come from the locale files.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { as, login, resetDemoLocale, SEL, switchLocale, withApi } from '../lib/actions.mjs';
import {
  arrived, DEMO, eventually, expectLang, expectPath, expectText, goto, PROJECTS, submit, t, text, tParts, withPage,
} from '../lib/harness.mjs';

const CONTOSO = '/admin/workspaces/contoso';
const REGISTER = `${CONTOSO}/reviews`;
const CRW = `${CONTOSO}/reviews/workspace`;
const VERIFY = '/admin/review-packs/verify';
const RETAIL = 'Contoso Retail';
const MFG = 'Contoso Manufacturing';
const CUSTOMER = 'customer@contoso.example';
const READONLY = 'readonly@contoso.example';
const OWNER_NAME = 'Olivia Owner';
// The browser language per locale (the accounts keep "automatic", so the browser decides).
const BROWSER_LOCALE = { en: 'en-US', de: 'de-DE' };

// Server functions whose forms are operator controls; none may appear on a customer-facing page.
const ADMIN_ACTIONS = ['publish', 'archive', 'generate_pack', 'create', 'generate_snapshot'];
const DOWNLOAD_ACTION = '/api/reviews/pack_link';
const ACK_ACTION = '/api/reviews/acknowledge';

const TID = {
  workspace: '[data-testid="customer-workspace"]',
  card: (tenant) => `[data-testid="crw-card"][data-tenant="${tenant}"]`,
  anyCard: '[data-testid="crw-card"]',
  detail: '[data-testid="review-detail"]',
  detailStatus: '[data-testid="review-detail"] [data-testid="review-status"]',
  publish: '[data-testid="publish-form"] [data-testid="publish"]',
  blocker: '[data-testid="blocker"]',
  verifyResult: '[data-testid="verify-result"]',
};

/** The string for `key` with its `{{ var }}` placeholders filled from `vars`. */
const fill = (locale, key, vars) =>
  t(locale, key).replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => {
    assert.ok(name in vars, `a value for {{ ${name} }} of ${key}`);
    return String(vars[name]);
  });

// ---------------------------------------------------------------------------------------------------
// The demo's data through the server functions

async function post(api, path, form) {
  const res = await api.post(path, { form });
  assert.ok(res.ok(), `${path}: HTTP ${res.status()} ${await res.text()}`);
  return res.json();
}

/** Contoso's environments by name → id. */
const tenantIds = (api) =>
  post(api, '/api/tenants/list', { workspace: 'contoso', status: 'all' }).then(({ items }) =>
    Object.fromEntries(items.map((x) => [x.display_name, x.id])));

const listReviews = (api, tenant) =>
  post(api, '/api/reviews/list', { workspace: 'contoso', tenant: String(tenant) });

const getReview = (api, review) => post(api, '/api/reviews/get', { workspace: 'contoso', review: String(review) });

/** The newest review of `reviews` with a ready pack in `language`, with that pack. */
async function packedReview(api, reviews, language) {
  for (const review of reviews.filter((r) => ['published', 'superseded'].includes(r.status))) {
    const pack = (await getReview(api, review.id)).packs.find((p) => p.status === 'ready' && p.language === language);
    if (pack) return { review, pack };
  }
  return null;
}

/**
 * Waits until the demo seeded its reviews (after its governance demo): Retail and Manufacturing each have
 * a published (or, once a project published a newer one, superseded) review with a ready pack, Retail a
 * newer review that is composed, and no run of Contoso is queued or running.
 */
const demoSettled = () =>
  withApi(DEMO, (api) =>
    eventually(async () => {
      const ids = await tenantIds(api);
      for (const [name, language] of [[RETAIL, 'en'], [MFG, 'de']]) {
        const reviews = await listReviews(api, ids[name]);
        const packed = await packedReview(api, reviews, language);
        assert.ok(packed, `the demo published a review of ${name} with a ready ${language} pack`);
        if (name === RETAIL) {
          const newer = reviews.filter((r) => r.id > packed.review.id);
          assert.ok(newer.length > 0, `the demo's newer review of ${RETAIL}`);
          assert.ok(newer.every((r) => r.status !== 'composing'), `the newer review of ${RETAIL} is composed`);
        }
      }
      for (const status of ['queued', 'running']) {
        const runs = await post(api, '/api/operations/list', { workspace: 'contoso', status });
        assert.equal(runs.total, 0, `${status} runs in contoso`);
      }
    }, 240_000),
  );

/** The Customer Review Workspace as `who` gets it from the server function. */
const workspaceOf = (who) => withApi(who, (api) => post(api, '/api/reviews/workspace', { workspace: 'contoso' }));

/** Puts the stored language of the accounts back to "automatic" (a failed test must not leave one set). */
async function resetLocales() {
  await resetDemoLocale();
  await withApi(as(CUSTOMER), (api) => post(api, '/api/prefs/locale', { locale: 'auto' }));
}

// ---------------------------------------------------------------------------------------------------
// Checks and steps in the browser

/**
 * The page carries no operator control: no form posting to an admin server function, no link into the
 * findings, and every form in the main region is one of `allowed` (paths).
 */
async function expectNoAdminControls(page, allowed) {
  const html = await page.content();
  for (const action of ADMIN_ACTIONS) {
    assert.ok(!new RegExp(`action="[^"]*/api/reviews/${action}"`).test(html), `a form posting to /api/reviews/${action}`);
  }
  const findings = html.match(/href="[^"]*\/findings\b[^"]*"/g) ?? [];
  assert.deepEqual(findings, [], 'links to findings');
  const forms = await page.locator('main form').evaluateAll((fs) => fs.map((f) => new URL(f.action).pathname));
  for (const form of forms) assert.ok(allowed.includes(form), `unexpected form posting to ${form}`);
}

/** Opens the Customer Review Workspace and checks its frame. */
async function openWorkspace(page, locale) {
  await goto(page, CRW);
  await page.locator(TID.workspace).waitFor();
  await expectText(page, 'h1', t(locale, 'crw.title'));
  await expectText(page, `${TID.workspace} [data-testid="non-certification"]`, t(locale, 'reviews.disclosure'));
}

/** A card shows `card` (the server function's view of it): the latest published review, risks, findings. */
async function expectCard(page, locale, card) {
  const sel = TID.card(card.tenant_id);
  await expectText(page, `${sel} h2`, card.tenant_name);
  assert.ok(card.review, `${card.tenant_name} has a published review`);
  assert.equal(card.review.status, 'published');
  assert.equal(await page.locator(`${sel} [data-testid="crw-review"] [data-testid="review-status"]`).getAttribute('data-status'), 'published');
  await expectText(page, `${sel} [data-testid="crw-review"] [data-testid="review-status"]`, t(locale, 'reviews.status.published'));
  assert.equal(
    await page.locator(`${sel} [data-testid="crw-open-review"]`).getAttribute('href'),
    `${CONTOSO}/reviews/${card.review.id}?customer_workspace=1`,
    'the card opens the latest published review',
  );
  await expectText(page, `${sel} [data-testid="crw-open-review"]`, t(locale, 'crw.open_review'));
  const headings = await page.locator(`${sel} h3`).allInnerTexts();
  for (const key of ['crw.open_findings', 'crw.key_findings', 'reviews.section.accepted_risks']) {
    assert.ok(headings.map((h) => h.trim()).includes(t(locale, key)), `heading "${t(locale, key)}" on the card`);
  }
  const { total, expiring, expired } = card.risks;
  await expectText(page, `${sel} [data-testid="crw-risks"]`, fill(locale, 'crw.risks_line', { total, expiring, expired }));
  const shown = await page.locator(`${sel} [data-testid="key-finding"]`).allInnerTexts();
  assert.equal(shown.length, card.key_findings.length, 'key findings listed');
  card.key_findings.forEach((f, i) => assert.ok(shown[i].includes(f.subject), `key finding ${f.subject}`));
  const [low, medium, high, critical] = card.open_by_severity;
  for (const [severity, n] of Object.entries({ low, medium, high, critical })) {
    await expectText(page, `${sel} [data-testid="crw-severity"] dd[data-severity="${severity}"]`, String(n));
  }
}

/** The card's acknowledgement state, as attribute and in words. */
async function expectAck(page, locale, tenant, state) {
  const sel = TID.card(tenant);
  await eventually(async () => assert.equal(await page.locator(sel).getAttribute('data-ack'), state, 'acknowledgement state'));
  assert.equal(await page.locator(`${sel} [data-testid="ack-state"]`).getAttribute('data-ack'), state);
  const shown = await text(page, `${sel} [data-testid="ack-state"]`);
  if (state === 'acknowledged') {
    const [before, after] = tParts(locale, 'crw.ack.acknowledged_on');
    assert.ok(shown.startsWith(before) && shown.endsWith(after) && shown.length > before.length + after.length,
      `"${shown}" reads "${t(locale, 'crw.ack.acknowledged_on')}"`);
  } else {
    assert.equal(shown, t(locale, `crw.ack.${state}`));
  }
  const ackForm = page.locator(`${sel} [data-testid="acknowledge-form"]`);
  assert.equal(await ackForm.count(), state === 'acknowledged' ? 0 : 1, 'the acknowledge form only when needed');
}

/** The card's pack availability. */
async function expectPackState(page, locale, tenant, state) {
  const sel = TID.card(tenant);
  assert.equal(await page.locator(sel).getAttribute('data-pack'), state, 'pack state');
  await expectText(page, `${sel} [data-testid="crw-pack-state"]`, t(locale, `crw.pack_state.${state}`));
  assert.equal(await page.locator(`${sel} [data-testid="download-pack"]`).count(), state === 'ready' ? 1 : 0);
}

/** Acknowledges the card's review. */
async function acknowledge(page, locale, tenant) {
  const button = `${TID.card(tenant)} [data-testid="acknowledge"]`;
  await expectText(page, button, t(locale, 'crw.acknowledge'));
  assert.equal(await page.locator(button).evaluate((b) => new URL(b.form.action).pathname), ACK_ACTION, 'the acknowledge form');
  await submit(page, button);
  await expectPath(page, CRW);
  await expectAck(page, locale, tenant, 'acknowledged');
}

/** Downloads the card's pack (the download form) into `dir`; checks it is a ZIP; returns the file. */
async function downloadPack(page, tenant, dir) {
  const sel = TID.card(tenant);
  const form = page.locator(`${sel} [data-testid="download-pack-form"]`);
  assert.equal(await form.evaluate((f) => new URL(f.action).pathname), DOWNLOAD_ACTION, 'the download form');
  const pack = await form.locator('input[name="pack"]').getAttribute('value');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    page.locator(`${sel} [data-testid="download-pack"]`).click(),
  ]);
  assert.equal(await download.failure(), null, 'the download completed');
  const url = new URL(download.url());
  assert.equal(url.pathname, `/admin/review-packs/${pack}/download`, 'the signed link of the pack');
  assert.ok(url.searchParams.get('expires') && url.searchParams.get('signature'), 'the link is signed and expires');
  const name = download.suggestedFilename();
  assert.match(name, /^review-pack-[0-9a-f-]+-\d{4}-\d{2}-\d{2}\.zip$/, 'the pack file name');
  const file = join(dir, name);
  await download.saveAs(file);
  const bytes = await readFile(file);
  assert.ok(bytes.length > 100, `the pack has content (${bytes.length} bytes)`);
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'the pack is a ZIP');
  return { file, name, pack };
}

/** Uploads a downloaded pack on the verify page: verified, signed by this installation. */
async function verifyPack(page, locale, { file, name, pack }) {
  await goto(page, VERIFY);
  await expectText(page, 'h1', t(locale, 'reviews.verify.title'));
  await expectText(page, 'label[for="verify-pack"]', t(locale, 'reviews.verify.file'));
  await expectText(page, '[data-testid="verify-submit"]', t(locale, 'reviews.verify.submit'));
  await page.setInputFiles('#verify-pack', file);
  await Promise.all([
    page.waitForURL((url) => url.pathname === VERIFY && url.searchParams.has('r'), { waitUntil: 'load' }),
    page.locator('[data-testid="verify-submit"]').click(),
  ]);
  await page.locator(TID.verifyResult).waitFor();
  await arrived(page);
  const problems = await page.locator('[data-testid="verify-problem"]').allInnerTexts();
  assert.deepEqual(problems, [], 'verification problems');
  assert.equal(await page.locator(TID.verifyResult).getAttribute('data-ok'), 'true', 'the pack verified');
  assert.equal(await page.locator(TID.verifyResult).getAttribute('data-trusted'), 'true', 'signed by this installation');
  await expectText(page, `${TID.verifyResult} h2`, t(locale, 'reviews.verify.ok'));
  await expectText(page, '[data-testid="verify-file"]', name);
  assert.ok(Number(await text(page, '[data-testid="verify-files"]')) > 0, 'files were checked');
  await expectText(page, '[data-testid="verify-trusted"]', t(locale, 'reviews.verify.trusted_yes'));
  await expectText(page, `${TID.verifyResult} dd:nth-of-type(3)`, `#${pack}`);
}

/** On a review's detail page: waits until it is composed, then publishes it (it must have no blockers). */
async function publishReview(page, locale, href) {
  let status;
  await eventually(async () => {
    await goto(page, href);
    status = await page.locator(TID.detailStatus).getAttribute('data-status');
    assert.notEqual(status, 'composing', `review ${href} is still composing`);
  }, 180_000);
  const blockers = await page.locator(TID.blocker).allInnerTexts();
  assert.deepEqual(blockers, [], `the review cannot be published: ${blockers.join('; ')}`);
  assert.equal(status, 'ready', 'the review is ready to publish');
  await expectText(page, TID.detailStatus, t(locale, 'reviews.status.ready'));
  // The operator page has what the customer pages must not have (so those checks look for the right thing):
  // the publish form and, for listed open risks, links into the findings.
  const html = await page.content();
  assert.match(html, /action="[^"]*\/api\/reviews\/publish"/, 'the publish form on the operator page');
  if ((await page.locator('[data-testid="open-risk-row"]').count()) > 0) {
    assert.match(html, /href="[^"]*\/findings\b[^"]*"/, 'open risks link to their findings on the operator page');
  }
  await expectText(page, TID.publish, t(locale, 'reviews.actions.publish'));
  assert.ok(await page.locator(TID.publish).isEnabled(), 'the owner may publish');
  await submit(page, TID.publish);
  await expectPath(page, new URL(href, 'http://x').pathname);
  await eventually(async () => assert.equal(await page.locator(TID.detailStatus).getAttribute('data-status'), 'published'));
  await expectText(page, TID.detailStatus, t(locale, 'reviews.status.published'));
  assert.ok((await text(page, '[data-testid="review-published"]')).includes(fill(locale, 'reviews.detail.published_by', { name: OWNER_NAME })),
    'published by the owner');
}

// ---------------------------------------------------------------------------------------------------
// Readings both projects do (they assert nothing the flows change)

/** The customer viewer: only Retail, its latest published review, and no operator control anywhere. */
async function customerReads(project, locale) {
  const expected = await workspaceOf(as(CUSTOMER));
  assert.deepEqual(expected.cards.map((c) => c.tenant_name), [RETAIL], 'the customer sees Retail only');
  const [card] = expected.cards;
  assert.ok(card.key_findings.length > 0, `${RETAIL}'s review lists key findings`);
  assert.ok(card.risks.total > 0, `${RETAIL}'s review counts accepted risks`);
  await withPage(project, async (page) => {
    await login(page, as(CUSTOMER));
    await expectText(page, SEL.signedInAs, CUSTOMER);
    await expectLang(page, locale);
    await openWorkspace(page, locale);
    assert.equal(await page.locator(TID.anyCard).count(), 1, 'one card');
    await expectCard(page, locale, card);
    const options = await page.locator('#r-tenant option').allInnerTexts();
    assert.deepEqual(options.map((o) => o.trim()), [t(locale, 'reviews.filter.any'), RETAIL], 'the environment filter');
    await expectNoAdminControls(page, [CRW, DOWNLOAD_ACTION, ACK_ACTION]);

    // The review behind the card, in the customer-safe reading.
    const href = `${CONTOSO}/reviews/${card.review.id}?customer_workspace=1`;
    await page.locator(`${TID.card(card.tenant_id)} [data-testid="crw-open-review"]`).click();
    await page.waitForURL((url) => url.pathname === `${CONTOSO}/reviews/${card.review.id}`);
    await page.locator(TID.detail).waitFor();
    await arrived(page);
    assert.equal(await page.locator(TID.detail).getAttribute('data-customer-mode'), 'true');
    await expectText(page, '[data-testid="customer-mode"]', t(locale, 'reviews.detail.customer_view'));
    await expectText(page, 'h1', fill(locale, 'reviews.detail.title', { tenant: RETAIL }));
    await expectText(page, TID.detailStatus, t(locale, 'reviews.status.published'));
    await expectText(page, '[data-testid="back-to-crw"]', t(locale, 'crw.back'));
    assert.equal(await page.locator('[data-testid="operator-actions"]').count(), 0, 'no operator actions');
    assert.equal(await page.locator('[data-testid="dimension-payload"]').count(), 0, 'no diagnostics');
    await expectNoAdminControls(page, [DOWNLOAD_ACTION, ACK_ACTION]);
    assert.equal(new URL(page.url()).search, new URL(href, 'http://x').search);
  }, { locale: BROWSER_LOCALE[locale] });
}

/** The read-only member: every environment, no acknowledgement, no operator control. */
async function readonlyReads(project, locale, ids) {
  await withPage(project, async (page) => {
    await login(page, as(READONLY));
    await expectText(page, SEL.signedInAs, READONLY);
    await openWorkspace(page, locale);
    for (const name of [RETAIL, MFG]) {
      await expectText(page, `${TID.card(ids[name])} h2`, name);
    }
    assert.equal(await page.locator('[data-testid="acknowledge-form"]').count(), 0, 'the read-only member cannot acknowledge');
    await expectNoAdminControls(page, [CRW, DOWNLOAD_ACTION]);
  }, { locale: BROWSER_LOCALE[locale] });
}

// ---------------------------------------------------------------------------------------------------
// The flows

/** Hydrated: the customer on Contoso Retail; the owner publishes Retail's newer review. */
async function retailFlow(page, locale, ids, dir) {
  const tenant = ids[RETAIL];
  const { published, newer } = await withApi(DEMO, async (api) => {
    const reviews = await listReviews(api, tenant);
    const current = reviews.find((r) => r.status === 'published');
    const packed = await packedReview(api, reviews, 'en');
    assert.ok(current && packed && packed.review.id === current.id, `${RETAIL}'s published review has the demo's pack`);
    const next = reviews.filter((r) => r.id > current.id && ['draft', 'ready'].includes(r.status));
    assert.ok(next.length > 0, `${RETAIL} has a newer unpublished review`);
    return { published: current, newer: next[0] };
  });

  await login(page, as(CUSTOMER));
  await expectText(page, SEL.signedInAs, CUSTOMER);
  await openWorkspace(page, locale);
  await expectCard(page, locale, (await workspaceOf(as(CUSTOMER))).cards[0]);
  assert.equal(await page.locator(`${TID.card(tenant)} [data-testid="crw-open-review"]`).getAttribute('href'),
    `${CONTOSO}/reviews/${published.id}?customer_workspace=1`);
  await expectPackState(page, locale, tenant, 'ready');
  await expectAck(page, locale, tenant, 'required');

  // 3. Download the pack, verify it.
  await expectText(page, `${TID.card(tenant)} [data-testid="download-pack"]`, t(locale, 'reviews.pack.download'));
  const pack = await downloadPack(page, tenant, dir);
  await verifyPack(page, locale, pack);

  // 4. Acknowledge.
  await openWorkspace(page, locale);
  await acknowledge(page, locale, tenant);
  await expectNoAdminControls(page, [CRW, DOWNLOAD_ACTION, ACK_ACTION]);

  // 5. The owner publishes the newer review from the register.
  await withPage(page.project, async (owner) => {
    await login(owner);
    await expectText(owner, SEL.signedInAs, DEMO.email);
    await goto(owner, REGISTER);
    await expectText(owner, 'h1', t(locale, 'reviews.title'));
    await owner.selectOption('#r-tenant', { label: RETAIL });
    await Promise.all([
      owner.waitForURL((url) => url.pathname === REGISTER && url.searchParams.get('tenant') === String(tenant)),
      owner.locator('[data-testid="filter-apply"]').click(),
    ]);
    await owner.locator('[data-testid="review-register"]').waitFor();
    await arrived(owner);
    const row = `[data-testid="review-row"][data-id="${newer.id}"]`;
    await eventually(async () => assert.equal(await owner.locator(row).count(), 1, `review ${newer.id} in the register`));
    assert.equal(await owner.locator(`[data-testid="review-row"][data-id="${published.id}"]`).getAttribute('data-status'), 'published');
    const href = await owner.locator(`${row} [data-testid="review-open"]`).getAttribute('href');
    assert.equal(href, `${REGISTER}/${newer.id}`);
    await owner.locator(`${row} [data-testid="review-open"]`).click();
    await owner.waitForURL((url) => url.pathname === href);
    await owner.locator(TID.detail).waitFor();
    await arrived(owner);
    await publishReview(owner, locale, href);
  }, { locale: BROWSER_LOCALE[locale] });

  // The customer is asked to acknowledge again; the card now shows the new review.
  await openWorkspace(page, locale);
  await expectAck(page, locale, tenant, 're_ack_required');
  assert.equal(await page.locator(`${TID.card(tenant)} [data-testid="crw-open-review"]`).getAttribute('href'),
    `${CONTOSO}/reviews/${newer.id}?customer_workspace=1`);
  await expectCard(page, locale, (await workspaceOf(as(CUSTOMER))).cards[0]);
  await expectNoAdminControls(page, [CRW, DOWNLOAD_ACTION, ACK_ACTION]);
  await acknowledge(page, locale, tenant);
}

/** JavaScript off: the owner on Contoso Manufacturing; creates and publishes a new review of it. */
async function manufacturingFlow(page, locale, ids, dir) {
  const tenant = ids[MFG];
  const published = await withApi(DEMO, async (api) => {
    const reviews = await listReviews(api, tenant);
    const current = reviews.find((r) => r.status === 'published');
    const packed = await packedReview(api, reviews, 'de');
    assert.ok(current && packed && packed.review.id === current.id, `${MFG}'s published review has the demo's pack`);
    return current;
  });

  await login(page);
  await expectText(page, SEL.signedInAs, DEMO.email);
  await expectLang(page, locale);
  await openWorkspace(page, locale);
  const card = (await workspaceOf(DEMO)).cards.find((c) => c.tenant_id === tenant);
  assert.equal(card?.review?.id, published.id);
  await expectCard(page, locale, card);
  await expectPackState(page, locale, tenant, 'ready');
  await expectAck(page, locale, tenant, 'required');
  // Even for the owner, the workspace is the customer's reading: no operator control.
  await expectNoAdminControls(page, [CRW, DOWNLOAD_ACTION, ACK_ACTION]);

  // 3. Download the pack, verify it.
  await expectText(page, `${TID.card(tenant)} [data-testid="download-pack"]`, t(locale, 'reviews.pack.download'));
  const pack = await downloadPack(page, tenant, dir);
  await verifyPack(page, locale, pack);

  // 4. Acknowledge.
  await openWorkspace(page, locale);
  await acknowledge(page, locale, tenant);

  // 5. A new review from the latest evidence, composed and published.
  await goto(page, REGISTER);
  await expectText(page, 'h1', t(locale, 'reviews.title'));
  await expectText(page, 'label[for="create-tenant"]', t(locale, 'reviews.filter.tenant'));
  await page.selectOption('#create-tenant', { label: MFG });
  await expectText(page, '[data-testid="create-review"]', t(locale, 'reviews.create'));
  await submit(page, '[data-testid="create-review"]');
  await page.waitForURL((url) => /^\/admin\/workspaces\/contoso\/reviews\/\d+$/.test(url.pathname));
  const href = new URL(page.url()).pathname;
  const created = Number(href.split('/').pop());
  assert.ok(created > published.id, `a new review (${created}) after the published one (${published.id})`);
  await expectText(page, 'h1', fill(locale, 'reviews.detail.title', { tenant: MFG }));
  await publishReview(page, locale, href);

  // The workspace asks for a re-acknowledgement of the new review (which has no pack yet).
  await openWorkspace(page, locale);
  await expectAck(page, locale, tenant, 're_ack_required');
  assert.equal(await page.locator(`${TID.card(tenant)} [data-testid="crw-open-review"]`).getAttribute('href'),
    `${CONTOSO}/reviews/${created}?customer_workspace=1`);
  await expectPackState(page, locale, tenant, 'not_available');
  await expectNoAdminControls(page, [CRW, DOWNLOAD_ACTION, ACK_ACTION]);
}

async function reviewsFlow(page, locale) {
  const other = locale === 'en' ? 'de' : 'en';
  await demoSettled();
  const ids = await withApi(DEMO, tenantIds);
  const dir = await mkdtemp(join(tmpdir(), 'tenantpilot-e2e-packs-'));
  try {
    // 1–2. The customer and the read-only member read the workspace.
    await customerReads(page.project, locale);
    await readonlyReads(page.project, locale, ids);
    // 3–5. The project's own environment.
    const [tenant, flow] = page.project.js ? [ids[RETAIL], retailFlow] : [ids[MFG], manufacturingFlow];
    await flow(page, locale, ids, dir);
    const state = await page.locator(TID.card(tenant)).getAttribute('data-ack');

    // The card in the other language (the header switch stores the user's choice).
    await switchLocale(page, other);
    await expectLang(page, other);
    await expectPath(page, CRW);
    await expectText(page, 'h1', t(other, 'crw.title'));
    await expectAck(page, other, tenant, state);
    await expectText(page, `${TID.card(tenant)} [data-testid="crw-review"] [data-testid="review-status"]`,
      t(other, 'reviews.status.published'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// JavaScript off in German on Contoso Manufacturing, hydrated in English on Contoso Retail.
for (const [project, locale] of [[PROJECTS[0], 'de'], [PROJECTS[1], 'en']]) {
  const what = project.js ? `${RETAIL}: customer` : `${MFG}: owner`;
  test(
    `[${project.name}] customer review workspace (${locale}): reading without controls → pack download → verify → acknowledge → publish → re-acknowledgement (${what})`,
    { timeout: 420_000 },
    async () => {
      try {
        await withPage(project, (page) => reviewsFlow(page, locale), { locale: BROWSER_LOCALE[locale] });
      } finally {
        await resetLocales();
      }
    },
  );
}
