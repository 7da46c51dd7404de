// The campaign forecast in the dashboard, in a real Chromium against the real API and database (no
// worker: the campaigns are seeded). A draft shows, next to Start, the dates the API forecast, in the
// reader's locale and time zone; saving a sender limit or another lead list brings a new forecast; a
// campaign the API cannot forecast shows the API's message; a running one says "at this pace".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Browser, Page, Response } from 'playwright-core';
import { type TestDatabase } from '../support/database';
import { exampleDefinition } from '../support/fixtures';
import { assertAccessible, launchBrowser, screenshot } from './browser';
import { startDashboardProduct, type DashboardProduct } from './product';

// The reader is in New York and reads British English: the page must show the API's instants in that zone and locale.
const LOCALE = 'en-GB';
const TIME_ZONE = 'America/New_York';
const shown = new Intl.DateTimeFormat(LOCALE, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short', timeZone: TIME_ZONE });
const fmt = (iso: string) => shown.format(new Date(iso));
const ALWAYS_OPEN = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' };

interface ForecastJson {
  status: string;
  leads: { total: number; toStart: number; waitingForInvitation: number };
  invitations: number;
  allLeadsStarted: { p50: string; p90: string };
  lastInvitation: { p50: string; p90: string };
  campaignEnds: { p50: string; p90: string };
}

describe('campaign forecast in the dashboard', () => {
  let db: TestDatabase;
  let stack: DashboardProduct;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  let base: string;
  let apiKey: string;
  let organizationId: string;
  let accountId: string;
  let smallList: string;
  let bigList: string;
  let draftId: string;
  const shots: string[] = [];

  const api: DashboardProduct['api'] = (method, path, body) => stack.api(method, path, body);

  const seedList = async (name: string, leads: number): Promise<string> => {
    const list = await db.db.insertInto('lead_lists').values({ organization_id: organizationId, name, description: null, total_leads: leads }).returning('id').executeTakeFirstOrThrow();
    await sql`
      insert into leads (organization_id, lead_list_id, first_name, last_name, full_name, company, linkedin_url, enrichment_data)
      select ${organizationId}, ${list.id}, 'Lead', ${name} || i, 'Lead ' || ${name} || i, 'Globex', 'https://www.linkedin.com/in/' || ${name.toLowerCase()} || '-' || i || '/', '{}'
      from generate_series(1, ${leads}) as i`.execute(db.db);
    return list.id;
  };

  const createDraft = async (name: string, listId: string): Promise<string> => {
    const res = await api('POST', '/api/campaigns', { name, leadListId: listId, senderAccountId: accountId, workflowDefinition: exampleDefinition() });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };

  const isForecast = (id: string) => (r: Response) => r.url().includes(`/api/campaigns/${id}/forecast`) && r.request().method() === 'GET';

  /** Opens a campaign page and returns the forecast the page itself received. */
  const openCampaign = async (id: string): Promise<{ status: number; body: any }> => {
    await page.goto('about:blank');
    const answer = page.waitForResponse(isForecast(id));
    await page.goto(`${base}/app/campaigns/${id}`);
    const res = await answer;
    return { status: res.status(), body: await res.json() };
  };

  /** The three rows as the reader sees them, and what they must say for `f`. */
  const draftRows = async () => ({
    started: await page.getByTestId('forecast-all-started').innerText(),
    invited: await page.getByTestId('forecast-last-invitation').innerText(),
    ends: await page.getByTestId('forecast-campaign-ends').innerText(),
  });
  // The p90 shows when it reads differently from the p50.
  const expectedRow = (label: string, d: { p50: string; p90: string }) => (fmt(d.p90) === fmt(d.p50) ? `${label}\n${fmt(d.p50)}` : `${label}\n${fmt(d.p50)}\np90 ${fmt(d.p90)}`);
  const waitForRows = async (f: ForecastJson) => {
    const want = expectedRow('All invitations sent', f.lastInvitation);
    await page.waitForFunction(`document.querySelector('[data-testid="forecast-last-invitation"]')?.innerText === ${JSON.stringify(want)}`, null, { timeout: 10_000 });
    const rows = await draftRows();
    assert.equal(rows.started, expectedRow('All leads started', f.allLeadsStarted));
    assert.equal(rows.invited, want);
    assert.equal(rows.ends, expectedRow('Campaign ends', f.campaignEnds));
  };

  before(async () => {
    stack = await startDashboardProduct({ name: 'dashboard-forecast', organization: 'Forecast Co' });
    ({ db, base, apiKey, organizationId } = stack);
    const account = await db.db
      .insertInto('connected_accounts')
      .values({ organization_id: organizationId, provider_account_id: 'forecast-sender', display_name: 'Grace Hopper', capabilities: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    accountId = account.id;
    // Open around the clock, no warm-up, 10 invitations a day: 50 leads take five days, whatever the hour the test runs.
    const settings = await api('PATCH', `/api/accounts/${accountId}/settings`, {
      timezone: 'UTC',
      workingHours: ALWAYS_OPEN,
      warmup: { days: 0, startPercent: 100 },
      limits: { invitation: { daily: 10, weekly: null } },
    });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
    smallList = await seedList('Small', 50);
    bigList = await seedList('Big', 200);
    draftId = await createDraft('Q1 founders', smallList);

    ({ browser, close: closeBrowser } = await launchBrowser());
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: LOCALE, timezoneId: TIME_ZONE });
    page = await context.newPage();
    await page.addInitScript(`sessionStorage.setItem('clento.apiKey', ${JSON.stringify(apiKey)}); sessionStorage.setItem('clento.organizationId', ${JSON.stringify(organizationId)})`);
  });

  after(async () => {
    if (shots.length) process.stdout.write(`# forecast screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}\n`);
    await closeBrowser?.();
    await stack?.stop();
  });

  it("shows a draft's forecast next to Start: the API's dates, in the reader's locale and time zone", async () => {
    const got = await openCampaign(draftId);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const f = got.body as ForecastJson;
    assert.deepEqual(f.leads, { total: 50, toStart: 50, waitingForInvitation: 0 });
    await waitForRows(f);
    // New York's zone is named on every date (en-GB names it by its offset: GMT-5, or GMT-4 in summer).
    assert.match((await draftRows()).invited, /GMT-[45]/);
    assert.match(await page.getByTestId('forecast').innerText(), /50 leads to start · 50 invitations · 1 sender · acceptance 30\.0% \(default\)/);

    // Beside the start button: directly under it, their right edges aligned, in the page head.
    const start = (await page.getByRole('button', { name: 'Start Q1 founders' }).boundingBox())!;
    const panel = (await page.getByTestId('forecast').boundingBox())!;
    assert.ok(panel.y >= start.y + start.height && panel.y - (start.y + start.height) < 24, `forecast ${JSON.stringify(panel)} not right under Start ${JSON.stringify(start)}`);
    assert.ok(Math.abs(panel.x + panel.width - (start.x + start.width)) < 4, 'forecast and Start right-aligned');
    const title = (await page.getByRole('heading', { name: 'Q1 founders' }).boundingBox())!;
    assert.ok(panel.y < title.y + 200, 'forecast in the page head, beside the title');
    await assertAccessible(page, 'draft with its forecast');
    shots.push(await screenshot(page, 'forecast-01-draft'));
  });

  it('a higher daily invitation limit, saved on the page, brings an earlier last invitation', async () => {
    const before = (await api('GET', `/api/campaigns/${draftId}/forecast`)).body as ForecastJson;
    await page.getByLabel('Sender’s invitations per day').fill('25');
    const next = page.waitForResponse(isForecast(draftId));
    await page.getByRole('button', { name: 'Save' }).click();
    const f = (await (await next).json()) as ForecastJson;
    // 10 a day: the 50th on day 4 or 5 from now; 25 a day: day 1 or 2 (forecast.test.ts checks the days).
    assert.ok(Date.parse(f.lastInvitation.p50) < Date.parse(before.lastInvitation.p50) - 2 * 86_400_000, `${f.lastInvitation.p50} not two days before ${before.lastInvitation.p50}`);
    await waitForRows(f);
    const stored = await api('GET', `/api/accounts/${accountId}/settings`);
    assert.equal(stored.body.effectiveLimits.invitation.daily, 25);
    assert.equal(stored.body.effectiveLimits.invitation.weekly, null, 'the rest of the stored limits kept');
    shots.push(await screenshot(page, 'forecast-02-limit-25'));
  });

  it('another lead list, saved on the page, brings a forecast for its leads', async () => {
    const next = page.waitForResponse(isForecast(draftId));
    await page.getByLabel('Lead list').selectOption({ label: 'Big (200 leads)' });
    await page.getByRole('button', { name: 'Save' }).click();
    // The campaign is saved first; the page asks again once it has re-read it.
    let f = (await (await next).json()) as ForecastJson;
    while (f.leads.total !== 200) f = (await (await page.waitForResponse(isForecast(draftId))).json()) as ForecastJson;
    await waitForRows(f);
    assert.match(await page.getByTestId('forecast').innerText(), /200 leads to start · 200 invitations/);
    const campaign = await api('GET', `/api/campaigns/${draftId}`);
    assert.equal(campaign.body.leadListId, bigList);
    shots.push(await screenshot(page, 'forecast-03-big-list'));
  });

  it("a campaign the API cannot forecast shows the API's message", async () => {
    const id = await createDraft('No sender yet', smallList);
    // A campaign row from before pools whose sender is gone: no pool rows, no sender_account.
    await db.db.deleteFrom('campaign_senders').where('campaign_id', '=', id).execute();
    await db.db.updateTable('campaigns').set({ sender_account: null }).where('id', '=', id).execute();
    const got = await openCampaign(id);
    assert.equal(got.status, 422);
    const alert = page.getByTestId('forecast').getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.innerText(), `No forecast: ${got.body.error.message}\nRetry`);
    shots.push(await screenshot(page, 'forecast-04-error', { fullPage: false }));
  });

  it('a running campaign says when, at this pace, its last invitation goes out', async () => {
    const id = await createDraft('Running outreach', smallList);
    await db.db.updateTable('campaigns').set({ status: 'in_progress', started_at: new Date() }).where('id', '=', id).execute();
    // 20 of the 50 leads have started and are waiting for their invitation; 30 are still to start.
    await sql`
      insert into campaign_executions (campaign_id, lead_id, status, total_steps, execution_data)
      select ${id}, l.id, 'in_progress', 4, '{"timeline":[],"steps":{"visit-1":{"kind":"profile_visit","state":"done"}}}'::jsonb
      from (select id from leads where lead_list_id = ${smallList} order by id limit 20) l`.execute(db.db);
    const got = await openCampaign(id);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const f = got.body as ForecastJson;
    assert.deepEqual(f.leads, { total: 50, toStart: 30, waitingForInvitation: 20 });
    const pace = page.getByTestId('forecast-pace');
    await pace.waitFor();
    const want = `At this pace, last invitation on ${fmt(f.lastInvitation.p50)}${fmt(f.lastInvitation.p90) === fmt(f.lastInvitation.p50) ? '' : ` (p90 ${fmt(f.lastInvitation.p90)})`}`;
    assert.equal(await pace.innerText(), want);
    assert.equal(await page.getByTestId('forecast-pace-end').innerText(), `Campaign ends ${fmt(f.campaignEnds.p50)} · 50 invitations to send`);
    // No start button on a running campaign, and no launch settings.
    assert.equal(await page.getByRole('button', { name: 'Start Running outreach' }).count(), 0);
    assert.equal(await page.getByRole('form', { name: 'Launch settings' }).count(), 0);
    await assertAccessible(page, 'running campaign with its forecast');
    shots.push(await screenshot(page, 'forecast-05-running'));
  });
});
