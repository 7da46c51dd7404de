// The sequence builder as a person uses it, in a real Chromium against the real API (validate and
// preview on the real compiler and renderer, a fresh PostgreSQL database): a small sequence built by
// clicking, a bad template variable shown on its step then fixed, the preview for leads of the list,
// saved, reloaded the same, and compiled by the engine's compiler to the expected plan.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { compileWorkflowDefinition } from '../../src/domain/workflow-definition';
import { startSandboxLinkedIn, type SandboxHandle } from '../../src/linkedin/sandbox/server';
import { type TestDatabase } from '../support/database';
import { assertAccessible, launchBrowser, screenshot } from './browser';
import { startDashboardProduct, type DashboardProduct } from './product';

const START = {
  nodes: [{ id: 'visit', type: 'action', position: { x: 0, y: 0 }, data: { type: 'profile_visit', label: 'Visit Profile', isConfigured: true, config: {} } }],
  edges: [],
  timestamp: '2026-12-02T09:00:00.000Z',
};

describe('sequence builder in a real browser', () => {
  let db: TestDatabase;
  let sandbox: SandboxHandle;
  let stack: DashboardProduct;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  let base: string;
  let apiKey: string;
  let campaignId: string;
  const shots: string[] = [];

  const api: DashboardProduct['api'] = (method, path, body) => stack.api(method, path, body);
  const inspector = () => page.getByTestId('node-inspector');
  const status = () => page.getByTestId('validation-status');

  before(async () => {
    sandbox = await startSandboxLinkedIn({ host: '127.0.0.1', port: 0 });
    stack = await startDashboardProduct({ name: 'builder', organization: 'Builder Inc', sandbox });
    ({ db, base, apiKey } = stack);
    const unipileAccount = sandbox.control.createAccount({ name: 'Grace Hopper' });
    const account = await api('POST', '/api/accounts', { providerAccountId: unipileAccount.id, displayName: 'Grace Hopper' });
    assert.equal(account.status, 201, JSON.stringify(account.body));
    const list = await api('POST', '/api/lead-lists', { name: 'Mathematicians' });
    const imported = await api('POST', `/api/lead-lists/${list.body.id}/leads`, [
      { first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Engines', linkedin_url: 'https://www.linkedin.com/in/ada-builder' },
      { last_name: 'Hopper', linkedin_url: 'https://www.linkedin.com/in/hopper-builder' },
    ]);
    assert.equal(imported.body.imported, 2);
    const campaign = await api('POST', '/api/campaigns', { name: 'Built by clicking', leadListId: list.body.id, senderAccountId: account.body.id, workflowDefinition: START });
    assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
    campaignId = campaign.body.id;
    ({ browser, close: closeBrowser } = await launchBrowser());
    page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  });

  after(async () => {
    if (shots.length) process.stdout.write(`# builder screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}\n`);
    await closeBrowser?.();
    await stack?.stop();
    await sandbox?.stop();
  });

  it('opens the builder from the campaign page', async () => {
    await page.goto(`${base}/app/`);
    await page.getByLabel('API key').fill(apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Built by clicking' }).click();
    await page.getByRole('link', { name: 'Edit sequence' }).click();
    await page.getByRole('heading', { name: 'Edit the sequence' }).waitFor();
    await status().getByText('Valid: ready to save').waitFor();
    assert.equal(await page.getByTestId('save-state').innerText(), 'No changes');
  });

  it('builds visit → invitation → accepted message / not-accepted withdrawal by clicking, the keyboard selecting a step', async () => {
    // The keyboard: focus the step on the canvas, Enter selects it.
    await page.locator('.react-flow__node[data-id="visit"]').focus();
    await page.keyboard.press('Enter');
    await inspector().waitFor();
    await inspector().getByRole('group', { name: 'Add the next step' }).getByRole('button', { name: '+ Invitation' }).click();
    assert.equal(await inspector().getByLabel('Name').inputValue(), 'Connection Request');
    await inspector().getByLabel('Invitation note (optional)').fill('Hi [first_name|there], glad to connect.');
    await inspector().getByRole('group', { name: 'Add a step if accepted' }).getByRole('button', { name: '+ Message' }).click();
    assert.equal(await inspector().getByLabel('Name').inputValue(), 'Send Message');
    // An empty message is a problem the compiler names on this step.
    await inspector().getByText(/the message is required/).waitFor();
    await status().getByText(/problem/).waitFor();
  });

  it('shows a bad template variable on its step, then the preview for leads of the list once fixed', async () => {
    const message = inspector().getByLabel('Message', { exact: true });
    await message.fill('Thanks for connecting, [firstname]!');
    await inspector().getByText(/unknown variable \[firstname\]/).first().waitFor();
    const nodeId = await inspector().getAttribute('data-node-id');
    const node = page.getByTestId(`builder-step-${nodeId}`);
    await page.waitForFunction(`Number(document.querySelector('[data-testid="builder-step-${nodeId}"]')?.getAttribute('data-problems')) > 0`);
    assert.match(await node.getAttribute('aria-label') ?? '', /1 problem/);
    shots.push(await screenshot(page, 'builder-01-bad-variable'));

    await message.fill('Thanks for connecting, [first_name|there]! How is ');
    await inspector().getByRole('button', { name: '[company]' }).click();
    assert.equal(await message.inputValue(), 'Thanks for connecting, [first_name|there]! How is [company]');
    await message.press('End');
    await message.pressSequentially('?');
    await status().getByText('Valid: ready to save').waitFor();
    assert.equal(await node.getAttribute('data-problems'), '0');
    const preview = inspector().getByTestId('template-preview');
    await preview.getByLabel('Preview for lead').selectOption({ label: 'Ada Lovelace' });
    await preview.getByText('Thanks for connecting, Ada! How is Analytical Engines?').waitFor();
    // Hopper has no first name (the fallback) and no company (no fallback: the step would skip him).
    await preview.getByLabel('Preview for lead').selectOption({ label: 'Hopper' });
    await preview.getByText(/skipped for this lead: the lead has no company/).waitFor();
    await message.fill('Thanks for connecting, [first_name|there]! How is [company|your team]?');
    await preview.getByText('Thanks for connecting, there! How is your team?').waitFor();
    await assertAccessible(page, 'builder with a step selected');
    shots.push(await screenshot(page, 'builder-02-preview'));
  });

  it('adds the not-accepted withdrawal and sets the acceptance window on its edge', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.getByRole('list').getByRole('button', { name: 'Connection Request' }).click();
    await inspector().getByRole('group', { name: 'Add a step if not accepted' }).getByRole('button', { name: '+ Withdraw' }).click();
    assert.equal(await inspector().getByLabel('Name').inputValue(), 'Withdraw Request');
    const withdrawId = await page.getByTestId('node-inspector').getAttribute('data-node-id');
    await page.getByTestId(`builder-step-${withdrawId}`).waitFor();
    const edge = page.locator(`.react-flow__edge[data-id]`).filter({ has: page.locator('.react-flow__edge-text', { hasText: 'not accepted' }) });
    await edge.focus();
    await page.keyboard.press('Enter');
    const edgeInspector = page.getByTestId('edge-inspector');
    await edgeInspector.getByText('Wait for acceptance').waitFor();
    await edgeInspector.getByLabel('Delay', { exact: true }).fill('7');
    await edgeInspector.getByLabel('Delay unit').selectOption('d');
    await page.locator('.react-flow__edge-text', { hasText: 'not accepted · within 7 days' }).waitFor();
    await status().getByText('Valid: ready to save').waitFor();
    await assertAccessible(page, 'builder with an edge selected');
    shots.push(await screenshot(page, 'builder-03-sequence'));
  });

  it('saves, and after a reload shows the same graph, which compiles to the expected plan', async () => {
    assert.equal(await page.getByTestId('save-state').innerText(), 'Unsaved changes');
    await page.getByRole('button', { name: 'Save sequence' }).click();
    await page.getByTestId('save-state').getByText('Saved').waitFor();
    const saved = (await api('GET', `/api/campaigns/${campaignId}`)).body.workflowDefinition;
    const compiled = compileWorkflowDefinition(saved);
    assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.problems));
    const { plan } = compiled;
    const byKind = (k: string) => Object.values(plan.steps).find((s) => s.kind === k)!;
    const invite = byKind('send_connection_request');
    const thanks = byKind('send_followup');
    const withdraw = byKind('withdraw_request');
    assert.ok(invite && thanks && withdraw, `the saved graph has the three steps: ${JSON.stringify(saved)}`);
    assert.equal(plan.entry, 'visit');
    assert.deepEqual(invite.acceptance, { windowMs: 7 * 86_400_000, hasNotAcceptedEdge: true });
    assert.equal(invite.config.message, 'Hi [first_name|there], glad to connect.');
    assert.equal(thanks.config.message, 'Thanks for connecting, [first_name|there]! How is [company|your team]?');
    assert.deepEqual(
      plan.edges.map((e) => [e.from, e.to, e.branch ?? null]).sort(),
      [
        ['visit', invite.id, null],
        [invite.id, thanks.id, 'accepted'],
        [invite.id, withdraw.id, 'not-accepted'],
      ].sort(),
    );
    // The editor's format: positions on nodes, delayData on the edge, pathType on the branch steps.
    assert.deepEqual(saved.edges.find((e: any) => e.target === withdraw.id).data, { isPositive: false, isConditionalPath: true, delay: '7d', delayData: { delay: 7, unit: 'd' } });
    assert.equal(saved.nodes.find((n: any) => n.id === thanks.id).data.pathType, 'accepted');
    assert.ok(saved.nodes.every((n: any) => typeof n.position?.x === 'number'));
    assert.notEqual(saved.timestamp, START.timestamp);

    await page.reload();
    await status().getByText('Valid: ready to save').waitFor();
    for (const n of saved.nodes) await page.getByTestId(`builder-step-${n.id}`).waitFor();
    assert.equal(await page.locator('.react-flow__node').count(), 4);
    assert.equal(await page.locator('.react-flow__edge').count(), 3);
    await page.locator('.react-flow__edge-text', { hasText: 'not accepted · within 7 days' }).waitFor();
    assert.equal(await page.getByTestId('save-state').innerText(), 'No changes');
  });

  it('saves a running campaign as a new version, moving its in-progress leads when asked; the campaign page lists the versions', async () => {
    await db.db.updateTable('campaigns').set({ status: 'in_progress' }).where('id', '=', campaignId).execute();
    await page.reload();
    const before = (await api('GET', `/api/campaigns/${campaignId}`)).body.definitionVersion;
    await page.getByTestId('definition-version').getByText(`version ${before}`).waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.getByRole('list').getByRole('button', { name: 'Visit Profile' }).click();
    await inspector().getByLabel('Name').fill('Visit their profile');
    await page.getByLabel('Move leads already in progress to the new version').check();
    await page.getByRole('button', { name: 'Save sequence' }).click();
    await page.getByTestId('save-state').getByText('Saved').waitFor();
    await page.getByTestId('definition-version').getByText(`version ${before + 1}`).waitFor();
    const saved = (await api('GET', `/api/campaigns/${campaignId}`)).body;
    assert.equal(saved.definitionVersion, before + 1);
    assert.equal(saved.status, 'in_progress');
    assert.ok(saved.workflowDefinition.nodes.some((n: any) => n.data.label === 'Visit their profile'));
    shots.push(await screenshot(page, 'builder-04-running-saved'));

    await page.goto(`${base}/app/campaigns/${campaignId}`);
    const versions = page.getByTestId('definition-versions');
    await versions.getByText(`Version ${before + 1}`).waitFor();
    await versions.locator('summary').click();
    assert.equal(await versions.locator('li').count(), before + 1);
    await versions.locator('li', { hasText: 'current' }).getByText(`v${before + 1}`).waitFor();
  });

  it('says clearly why a scheduled campaign was not saved, and keeps the edit on screen', async () => {
    await db.db.updateTable('campaigns').set({ status: 'scheduled' }).where('id', '=', campaignId).execute();
    await page.goto(`${base}/app/campaigns/${campaignId}/sequence`);
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.getByRole('list').getByRole('button', { name: 'Visit their profile' }).click();
    await inspector().getByLabel('Name').fill('Visit again');
    await page.getByRole('button', { name: 'Save sequence' }).click();
    const error = page.getByTestId('save-error');
    await error.waitFor();
    assert.match(await error.innerText(), /Not saved\. the campaign is scheduled.*cannot change its sequence until it runs or is stopped/s);
    assert.equal(await page.getByTestId('save-state').innerText(), 'Unsaved changes', 'the edit stays on screen');
    shots.push(await screenshot(page, 'builder-05-scheduled'));
  });
});
