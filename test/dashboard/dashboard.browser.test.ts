// The dashboard as a person uses it, in a real Chromium, against the real product: API + worker on
// the suite's Temporal dev server, a fresh PostgreSQL database, the sandbox LinkedIn over HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { registerProductWebhooks } from '../../src/linkedin/register-webhooks';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { UnipileClient } from '../../src/linkedin/unipile.client';
import { type TestDatabase } from '../support/database';
import { assertAccessible, launchBrowser, screenshot } from './browser';
import { startDashboardProduct, type DashboardProduct } from './product';

const CSV = [
  'First Name,Last Name,Company,LinkedIn URL',
  ...Array.from({ length: 8 }, (_, i) => `Ada${i + 1},Lovelace${i + 1},Analytical Engines,https://www.linkedin.com/in/ada-${i + 1}`),
  'Dup,Licate,Analytical Engines,https://www.linkedin.com/in/ada-1',
  'No,Url,Nowhere,',
].join('\n');

const BROKEN_DEFINITION = {
  nodes: [
    { id: 'visit', type: 'action', position: { x: 0, y: 0 }, data: { type: 'profile_visit', label: 'Visit Profile', isConfigured: true, config: {} } },
    { id: 'mystery', type: 'action', position: { x: 0, y: 150 }, data: { type: 'teleport', label: 'Teleport', isConfigured: true, config: {} } },
  ],
  edges: [{ id: 'e1', source: 'visit', target: 'mystery', type: 'buttonedge', data: {} }],
};

describe('dashboard in a real browser', () => {
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let stack: DashboardProduct;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  let base: string;
  let apiKey: string;
  let accountId: string;
  let campaignId: string;
  const shots: string[] = [];

  const api: DashboardProduct['api'] = (method, path, body) => stack.api(method, path, body);

  before(async () => {
    // Invitations are accepted 6 s after they are sent: long enough to pause and resume mid-run.
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0, acceptAfterMs: 6_000 });
    const secret = 'whsec-dashboard-0123456789';
    stack = await startDashboardProduct({ name: 'dashboard', organization: 'Dashboard Inc', sandbox, worker: true, webhookSecret: secret });
    ({ db, base, apiKey } = stack);
    await registerProductWebhooks(new UnipileClient({ dsn: sandbox.dsn, accessToken: sandbox.accessToken }), { baseUrl: base, secret });
    const unipileAccount = sandbox.control.createAccount({ name: 'Grace Hopper' });
    const account = await api('POST', '/api/accounts', { providerAccountId: unipileAccount.id, displayName: 'Grace Hopper' });
    assert.equal(account.status, 201, JSON.stringify(account.body));
    accountId = account.body.id;
    // Acts at any hour with no spacing, so the campaign moves while the test watches.
    const settings = await api('PATCH', `/api/accounts/${accountId}/settings`, {
      timezone: 'Europe/Paris',
      workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
      minGapSeconds: 0,
      jitterSeconds: 0,
      warmup: { days: 0, startPercent: 100 },
      safety: { spreadOverWindow: false },
    });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    ({ browser, close: closeBrowser } = await launchBrowser());
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  });

  after(async () => {
    if (shots.length) process.stdout.write(`# dashboard screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}\n`);
    await closeBrowser?.();
    await stack?.stop();
    await sandbox?.stop();
  });

  it('serves the built dashboard at /app, same origin', async () => {
    const res = await fetch(`${base}/app/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<div id="root">/);
    const deep = await fetch(`${base}/app/campaigns/00000000-0000-0000-0000-000000000000`);
    assert.equal(deep.status, 200, 'a page path serves the app, which routes in the browser');
  });

  it('refuses a wrong key, signs in with the right one, and shows the empty campaigns list', async () => {
    await page.goto(`${base}/app/`);
    await page.getByLabel('API key').fill('clk_not_a_real_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This API key is invalid, expired or revoked.').waitFor();
    await assertAccessible(page, 'sign-in');
    shots.push(await screenshot(page, '01-sign-in-error'));
    await page.getByLabel('API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'No campaigns yet' }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('clento.apiKey')"), apiKey, 'the key is kept for the browser session');
    await assertAccessible(page, 'campaigns (empty)');
  });

  it('creates a list from a CSV (import report), shows definition problems on their node, then saves a campaign', async () => {
    await page.getByRole('link', { name: 'New campaign' }).first().click();
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await page.getByLabel('Or a new list from a CSV: its name').fill('Mathematicians');
    await page.getByLabel(/CSV file/).setInputFiles({ name: 'mathematicians.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    const report = page.getByTestId('import-report');
    await report.waitFor();
    const text = await report.innerText();
    assert.match(text, /8 imported/);
    assert.match(text, /1 duplicates/);
    assert.match(text, /1 rejected/);
    assert.match(text, /Row 11/, 'the rejected row is named by its row number (header = row 1)');

    await page.getByRole('checkbox', { name: 'Grace Hopper' }).check();
    await page.getByLabel("Or the editor's JSON file").setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(BROKEN_DEFINITION)) });
    await page.getByLabel('Campaign name').fill('Mathematicians in London');
    await page.getByRole('button', { name: 'Save campaign' }).click();
    const broken = page.locator('li.has-problem[data-node-id="mystery"]');
    await broken.waitFor();
    assert.match(await broken.innerText(), /teleport/i, 'the problem sits next to the node it names');
    assert.equal(await page.locator('li.has-problem[data-node-id="visit"]').count(), 0);
    await assertAccessible(page, 'new campaign with problems');
    shots.push(await screenshot(page, '02-new-campaign-problems'));

    await page.getByLabel('Start from an example').selectOption('quick-connect');
    await page.getByRole('button', { name: 'Save campaign' }).click();
    await page.waitForURL(/\/app\/campaigns\/[0-9a-f-]{36}$/);
    campaignId = /campaigns\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await page.getByRole('heading', { name: 'Mathematicians in London' }).waitFor();
  });

  it('starts the campaign and watches the graph counts move live, then pauses and resumes from the buttons', async () => {
    await page.getByTestId('live-indicator').getByText('Live').waitFor();
    const visit = page.getByTestId('step-visit');
    assert.equal(await visit.getAttribute('data-done'), '0');
    const url = page.url();
    await page.getByRole('button', { name: 'Start Mathematicians in London' }).click();
    await page.locator('.page-head .badge', { hasText: 'Running' }).waitFor();
    // The counts come over the live stream: no reload, no navigation.
    await page.waitForFunction(`Number(document.querySelector('[data-testid="step-visit"]')?.getAttribute('data-done')) >= 1`, null, { timeout: 60_000 });
    assert.equal(page.url(), url);
    shots.push(await screenshot(page, '03-campaign-running'));

    await page.getByRole('button', { name: 'Pause Mathematicians in London' }).click();
    await page.locator('.page-head .badge', { hasText: 'Paused' }).waitFor();
    assert.equal((await api('GET', `/api/campaigns/${campaignId}`)).body.status, 'paused');
    await page.getByRole('button', { name: 'Resume Mathematicians in London' }).click();
    await page.locator('.page-head .badge', { hasText: 'Running' }).waitFor();
    assert.equal((await api('GET', `/api/campaigns/${campaignId}`)).body.status, 'in_progress');

    // Accepted invitations arrive by webhook; the thank-you step's count follows on the page.
    await page.waitForFunction(`Number(document.querySelector('[data-testid="step-thanks"]')?.getAttribute('data-done')) >= 8`, null, { timeout: 90_000 });
    const acceptance = await page.getByTestId('acceptance-rate').innerText();
    assert.equal(acceptance, '100.0%');
    await assertAccessible(page, 'campaign');
    shots.push(await screenshot(page, '04-campaign'));
  });

  it("filters the leads table and opens a lead's timeline", async () => {
    await page.getByRole('searchbox', { name: 'Search by name' }).fill('Ada3');
    await page.waitForFunction(`document.querySelectorAll('[data-testid="leads-table"] tbody tr').length === 1`);
    assert.match(await page.getByTestId('leads-table').innerText(), /Ada3 Lovelace3/);
    await page.getByRole('button', { name: 'Ada3 Lovelace3' }).click();
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    const text = await timeline.innerText();
    for (const entry of ['Started', 'Step done', 'Waits for acceptance', 'Branch decided', 'Completed']) assert.match(text, new RegExp(entry));
    await assertAccessible(page, 'lead timeline');
    shots.push(await screenshot(page, '05-lead-timeline', { fullPage: false }));
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('searchbox', { name: 'Search by name' }).fill('');
  });

  it('lists the campaign with its progress and leads by state', async () => {
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: 'Mathematicians in London' }).waitFor();
    await page.getByText(/8 of 8 finished/).waitFor({ timeout: 30_000 });
    await assertAccessible(page, 'campaigns');
    shots.push(await screenshot(page, '06-campaigns'));
  });

  it("shows the account's quota and shows the API's validation error next to the field", async () => {
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
    await page.getByRole('meter', { name: 'Invitations today' }).waitFor();
    assert.equal(await page.getByRole('meter', { name: 'Invitations today' }).getAttribute('aria-valuenow'), '8');
    await page.getByRole('button', { name: 'Edit settings' }).click();
    await page.getByLabel('Working hours start').fill('18:00');
    await page.getByLabel('Working hours end').fill('09:00');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const error = page.locator('.field.has-error', { has: page.getByLabel('Working hours end') });
    await error.waitFor();
    assert.match(await error.innerText(), /end must be after start/);
    await assertAccessible(page, 'accounts');
    shots.push(await screenshot(page, '07-accounts-validation'));
  });

  it('signs out (the key is forgotten) and a revoked key sends you back to sign in', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('clento.apiKey')"), null);
    await page.getByLabel('API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await db.db.updateTable('api_keys').set({ revoked_at: new Date() }).execute();
    // Opened by address, not by the nav link: the campaigns page's own refresh may meet the revoked key
    // first and take the nav away mid-click (a merged-main run timed out on the detached link).
    await page.goto(new URL('/app/accounts', page.url()).href);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('clento.apiKey')"), null);
  });
});
