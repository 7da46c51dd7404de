// Sender pools in the dashboard (issue 11), in a real Chromium against the real product (API + worker on
// the suite's Temporal, sandbox LinkedIn): a campaign created with two senders from the new-campaign
// form, its Senders card counting each sender's leads and invitations as the campaign runs, a third
// sender added and one removed from the card while it runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { assertAccessible, launchBrowser, screenshot } from './browser';
import { startDashboardProduct, type DashboardProduct } from './product';

const LEADS = 6;
const NAMES = ['Grace Hopper', 'Ada Lovelace', 'Alan Turing'];

describe('sender pool in a real browser', () => {
  let sandbox: SandboxHandle;
  let stack: DashboardProduct;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  const accountIds: string[] = [];
  let campaignId: string;
  const shots: string[] = [];
  const api: DashboardProduct['api'] = (method, path, body) => stack.api(method, path, body);
  const poolRows = () => page.getByTestId('sender-pool').locator('tbody tr');

  before(async () => {
    // Invitations are accepted a while after they are sent, so the campaign is still running when senders change.
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0, acceptAfterMs: 60_000 });
    stack = await startDashboardProduct({ name: 'dashboard-senders', organization: 'Pool Inc', sandbox, worker: true });
    for (const name of NAMES) {
      const account = await api('POST', '/api/accounts', { providerAccountId: sandbox.control.createAccount({ name }).id, displayName: name });
      assert.equal(account.status, 201, JSON.stringify(account.body));
      accountIds.push(account.body.id);
      // Acts at any hour with no spacing, so the campaign moves while the test watches.
      const settings = await api('PATCH', `/api/accounts/${account.body.id}/settings`, {
        timezone: 'UTC',
        workingHours: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' },
        minGapSeconds: 0,
        jitterSeconds: 0,
        warmup: { days: 0, startPercent: 100 },
        safety: { spreadOverWindow: false },
      });
      assert.equal(settings.status, 200, JSON.stringify(settings.body));
    }
    const list = await api('POST', '/api/lead-lists', { name: 'Pioneers' });
    const leads = Array.from({ length: LEADS }, (_, i) => ({ full_name: `Pioneer ${i + 1}`, linkedin_url: `https://www.linkedin.com/in/pioneer-${i + 1}` }));
    assert.equal((await api('POST', `/api/lead-lists/${list.body.id}/leads`, leads)).body.imported, LEADS);
    ({ browser, close: closeBrowser } = await launchBrowser());
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.addInitScript(`sessionStorage.setItem('clento.apiKey', ${JSON.stringify(stack.apiKey)})`);
  });
  after(async () => {
    if (shots.length) process.stdout.write(`# sender pool screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}\n`);
    await closeBrowser?.();
    await stack?.stop();
    await sandbox?.stop();
  });

  it('creates a campaign with two senders from the new-campaign form', async () => {
    await page.goto(`${stack.base}/app/campaigns/new`);
    await page.getByRole('heading', { name: 'New campaign' }).waitFor();
    await page.getByLabel('Existing lead list').selectOption({ label: `Pioneers (${LEADS} leads)` });
    await page.getByRole('checkbox', { name: NAMES[0] }).check();
    await page.getByRole('checkbox', { name: NAMES[1] }).check();
    await page.getByLabel('Start from an example').selectOption('quick-connect');
    await page.getByLabel('Campaign name').fill('Pioneers, two voices');
    await page.getByRole('button', { name: 'Save campaign' }).click();
    await page.waitForURL(/\/app\/campaigns\/[0-9a-f-]{36}$/);
    campaignId = /campaigns\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    const saved = await api('GET', `/api/campaigns/${campaignId}`);
    assert.deepEqual(saved.body.senderAccountIds, accountIds.slice(0, 2));
    await poolRows().first().waitFor();
    assert.equal(await poolRows().count(), 2);
    assert.equal(await page.getByLabel('Sender', { exact: true }).count(), 0, 'a pool is not edited through the single-sender select');
  });

  it('counts each sender’s leads and invitations as the campaign runs', async () => {
    const started = await api('POST', '/api/campaigns/start', { campaignId, organizationId: stack.organizationId });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    // Invited cells (third column) add up to every lead once the campaign has invited them all.
    const invitedCells = () => page.getByTestId('sender-pool').locator('tbody tr td:nth-child(3)').allInnerTexts();
    const sum = (cells: string[]) => cells.reduce((n, c) => n + Number(c.replace(/\D/g, '') || 0), 0);
    const deadline = Date.now() + 60_000;
    while (sum(await invitedCells()) < LEADS) {
      if (Date.now() > deadline) {
        const api_ = await api('GET', `/api/campaigns/${campaignId}/senders`);
        const analytics = await api('GET', `/api/campaigns/${campaignId}/analytics`);
        assert.fail(`invited per sender on the page: ${(await invitedCells()).join(' / ')}; API: ${JSON.stringify(api_.body)}; leads ${JSON.stringify(analytics.body.leads)}`);
      }
      await page.waitForTimeout(500);
    }
    const stats = (await api('GET', `/api/campaigns/${campaignId}/senders`)).body.items as Array<{ accountId: string; leads: { total: number }; invited: number }>;
    assert.equal(stats.reduce((n, s) => n + s.invited, 0), LEADS);
    assert.ok(stats.every((s) => s.leads.total >= 1), `both senders got leads: ${stats.map((s) => s.leads.total).join(' / ')}`);
    const leadCells = await page.getByTestId('sender-pool').locator('tbody tr td:nth-child(2)').allInnerTexts();
    assert.deepEqual(leadCells.map(Number), stats.map((s) => s.leads.total), 'the page shows the API’s per-sender leads');
    await assertAccessible(page, 'campaign with a sender pool');
    shots.push(await screenshot(page, 'senders-01-pool-running'));
  });

  it('adds a third sender and removes one while the campaign runs', async () => {
    await page.getByLabel('Add a sender').selectOption({ label: NAMES[2] });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="sender-pool"] tbody tr').length === 3`);
    await page.getByRole('button', { name: `Remove ${NAMES[1]} from the pool` }).click();
    await page.getByTestId('sender-pool').getByText('removed: its contacted leads finish on it').waitFor();
    const campaign = (await api('GET', `/api/campaigns/${campaignId}`)).body;
    assert.deepEqual(campaign.senderAccountIds, [accountIds[0], accountIds[2]]);
    assert.equal(campaign.status, 'in_progress');
    // The last active sender cannot be removed: its button says why.
    await page.getByRole('button', { name: `Remove ${NAMES[2]} from the pool` }).click();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="sender-pool"] tbody tr:not(.removed)').length === 1`);
    assert.ok(await page.getByRole('button', { name: `Remove ${NAMES[0]} from the pool` }).isDisabled());
    await assertAccessible(page, 'sender pool after changes');
    shots.push(await screenshot(page, 'senders-02-pool-changed'));
  });
});
