// Campaign analytics from counters kept by the progress recorder, the leads table's filters, an
// account's activity, and the live stream (a real socket, its short-lived token).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordLeadProgress } from '../../src/activities/campaign.activities';
import type { RecordLeadProgressInput } from '../../src/activities/types';
import { compileWorkflowDefinition } from '../../src/domain/workflow-definition';
import type { TimelineEntry } from '../../src/domain/timeline';
import { exampleDefinition, seedCampaign, waitFor, type Seeded } from '../support/fixtures';
import { startTestApi, type TestApi } from './support';

const T0 = Date.parse('2026-12-01T23:30:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

describe('campaign analytics', () => {
  let api: TestApi;
  let seeded: Seeded;
  let seq = 0;

  type Patch = Partial<Omit<RecordLeadProgressInput, 'entries'>> & Pick<RecordLeadProgressInput, 'steps'> & { entries: TimelineEntry[] };
  const record = (leadId: string, patch: Patch) =>
    recordLeadProgress(api.db, {
      campaignId: seeded.campaignId,
      leadId,
      workflowId: `lead-${leadId}`,
      runId: 'run-1',
      currentStep: 0,
      totalSteps: 4,
      final: false,
      ...patch,
      entries: patch.entries.map((e) => ({ ...e, seq: ++seq })),
    });

  before(async () => {
    api = await startTestApi({ compileDefinition: compileWorkflowDefinition });
    seeded = await seedCampaign(api.db, {
      unipileAccountId: 'acc-analytics',
      definition: exampleDefinition(),
      leads: 4,
      organizationId: api.orgA.organizationId,
      quota: { timezone: 'Europe/Paris' },
    });
    const [a, b, c] = seeded.leadIds as [string, string, string];
    // Lead a: visited, invited, accepted after 2 hours, messaged, replied 1 hour later.
    await record(a, { status: 'in_progress', entries: [{ at: at(0), type: 'lead_started' }], steps: {} });
    await record(a, {
      entries: [
        { at: at(0), type: 'step_started', stepId: 'visit-1', kind: 'profile_visit' },
        { at: at(1), type: 'step_completed', stepId: 'visit-1', kind: 'profile_visit' },
        { at: at(1), type: 'wait', stepId: 'invite-2', reason: 'edge_delay', until: at(61) },
      ],
      steps: { 'visit-1': { kind: 'profile_visit', state: 'done', at: at(1) } },
    });
    await record(a, {
      entries: [
        { at: at(61), type: 'step_started', stepId: 'invite-2', kind: 'send_connection_request' },
        { at: at(62), type: 'step_completed', stepId: 'invite-2', kind: 'send_connection_request' },
        { at: at(62), type: 'acceptance_wait', stepId: 'invite-2', until: at(62 + 14 * 1440) },
        // As the webhook signal notes it: no stepId (the invitation the lead waits on is meant).
        { at: at(182), type: 'branch', branch: 'accepted', reason: 'accepted_via_webhook' },
        { at: at(182), type: 'step_started', stepId: 'msg-3', kind: 'send_followup' },
        { at: at(183), type: 'step_completed', stepId: 'msg-3', kind: 'send_followup' },
        { at: at(243), type: 'reply_received', reason: 'stop_on_reply' },
        { at: at(243), type: 'lead_completed', reason: 'replied' },
      ],
      steps: {
        'visit-1': { kind: 'profile_visit', state: 'done', at: at(1) },
        'invite-2': { kind: 'send_connection_request', state: 'done', at: at(62) },
        'msg-3': { kind: 'send_followup', state: 'done', at: at(183) },
      },
      status: 'completed',
      final: true,
    });
    // Lead b: visited, invited, waits for acceptance.
    await record(b, {
      status: 'in_progress',
      entries: [
        { at: at(0), type: 'lead_started' },
        { at: at(0), type: 'step_started', stepId: 'visit-1', kind: 'profile_visit' },
        { at: at(2), type: 'step_completed', stepId: 'visit-1', kind: 'profile_visit' },
        { at: at(70), type: 'step_started', stepId: 'invite-2', kind: 'send_connection_request' },
        { at: at(71), type: 'step_completed', stepId: 'invite-2', kind: 'send_connection_request' },
        { at: at(71), type: 'acceptance_wait', stepId: 'invite-2', until: at(71 + 14 * 1440) },
      ],
      steps: {
        'visit-1': { kind: 'profile_visit', state: 'done', at: at(2) },
        'invite-2': { kind: 'send_connection_request', state: 'done', at: at(71) },
      },
    });
    // Lead c: its visit waits for the daily quota.
    await record(c, {
      status: 'in_progress',
      entries: [
        { at: at(0), type: 'lead_started' },
        { at: at(0), type: 'quota_wait', stepId: 'visit-1', kind: 'profile_visit', reason: 'daily_limit', until: at(600) },
      ],
      steps: {},
    });
  });
  after(async () => api?.close());

  const analytics = async () => {
    const res = await api.call({ method: 'GET', url: `/api/campaigns/${seeded.campaignId}/analytics` });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };

  it('counts every node and edge, with waits by reason', async () => {
    const body = await analytics();
    const node = (id: string) => body.nodes.find((n: any) => n.id === id);
    assert.deepEqual(body.leads, { total: 4, byStatus: { completed: 1, in_progress: 2 } });
    assert.equal(body.timeZone, 'Europe/Paris');
    assert.deepEqual(
      { reached: node('visit-1').reached, done: node('visit-1').done, waiting: node('visit-1').waitingByReason },
      { reached: 3, done: 2, waiting: { 'quota:daily_limit': 1 } },
    );
    assert.deepEqual(
      { reached: node('invite-2').reached, done: node('invite-2').done, waiting: node('invite-2').waitingByReason },
      { reached: 2, done: 2, waiting: { acceptance_window: 1 } },
    );
    assert.equal(node('msg-3').done, 1);
    assert.equal(node('withdraw-4').reached, 0);
    const edge = (id: string) => body.edges.find((e: any) => e.id === id).leads;
    assert.deepEqual([edge('e1'), edge('e2'), edge('e3')], [2, 1, 0]);
  });

  it('states rates with their bases, and the times to accept and reply', async () => {
    const body = await analytics();
    assert.deepEqual(body.rates.acceptance, { numerator: 1, denominator: 2, rate: 0.5, base: 'accepted / invitations sent' });
    assert.equal(body.rates.reply.numerator, 1);
    assert.equal(body.rates.reply.denominator, 2);
    const twoHours = 2 * 3600_000;
    assert.ok(Math.abs(body.timings.timeToAccept.medianMs - twoHours) / twoHours < 0.19, String(body.timings.timeToAccept.medianMs));
    assert.equal(body.timings.timeToReply.count, 1);
  });

  it("splits the daily series by the sender's day (Europe/Paris), kind and outcome", async () => {
    const body = await analytics();
    // 23:31 UTC on Dec 1 is 00:31 on Dec 2 in Paris.
    const visits = body.daily.filter((d: any) => d.kind === 'profile_visit');
    assert.deepEqual(visits, [{ date: '2026-12-02', kind: 'profile_visit', outcome: 'done', count: 2 }]);
  });

  it('does not count a retried progress record twice', async () => {
    const before = await analytics();
    const b = seeded.leadIds[1]!;
    // The same entries again (seq not advanced): the recorder keeps the timeline as it is.
    await recordLeadProgress(api.db, {
      campaignId: seeded.campaignId,
      leadId: b,
      workflowId: `lead-${b}`,
      runId: 'run-1',
      currentStep: 0,
      totalSteps: 4,
      final: false,
      entries: [{ at: at(0), type: 'lead_started', seq: 1 }],
      steps: {},
    });
    const afterRetry = await analytics();
    assert.deepEqual({ ...afterRetry, version: 0 }, { ...before, version: 0 });
  });

  it('filters the leads table by state, step, wait reason and name, each lead with its wait', async () => {
    const list = async (query: string) => {
      const res = await api.call({ method: 'GET', url: `/api/campaigns/${seeded.campaignId}/executions?${query}` });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().items as any[];
    };
    const waiting = await list('waitReason=acceptance_window');
    assert.equal(waiting.length, 1);
    assert.equal(waiting[0].lead.id, seeded.leadIds[1]);
    assert.equal(waiting[0].currentStepId, 'invite-2');
    assert.equal(waiting[0].wait.reason, 'acceptance_window');
    assert.ok(waiting[0].wait.until);
    assert.equal((await list('stepId=visit-1')).length, 1);
    assert.equal((await list('status=completed')).length, 1);
    const named = await list(`q=${encodeURIComponent('first3 ')}`.trim());
    assert.deepEqual(
      named.map((e) => e.lead.fullName),
      ['First3 Last3'],
    );
    assert.equal((await list('q=%25')).length, 0, 'a % in the search is a character, not a wildcard');
    const bad = await api.call({ method: 'GET', url: `/api/campaigns/${seeded.campaignId}/executions?waitReason=bogus` });
    assert.equal(bad.statusCode, 400);
  });

  it("answers another organization's campaign as missing", async () => {
    const res = await api.call({ method: 'GET', url: `/api/campaigns/${seeded.campaignId}/analytics`, as: api.orgB });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'campaign_not_found');
  });

  it('serves 30 days of account activity against the limits', async () => {
    const res = await api.call({ method: 'GET', url: `/api/accounts/${seeded.accountId}/activity` });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.days.length, 30);
    assert.equal(body.timezone, 'Europe/Paris');
    assert.equal(typeof body.limits.invitation.daily, 'number');
    assert.equal(body.days[29].perKind.invitation, 0);
  });

  it('streams counter changes within 2 s to a holder of a short-lived token, never the API key', async () => {
    const tokenRes = await api.call({ method: 'POST', url: `/api/campaigns/${seeded.campaignId}/stream-token` });
    assert.equal(tokenRes.statusCode, 200, tokenRes.body);
    const { url, token } = tokenRes.json();
    assert.ok(!url.includes(api.orgA.apiKey));
    const base = await api.app.listen({ port: 0, host: '127.0.0.1' });

    const refused = await fetch(`${base}${url.replace(token, `${token}x`)}`);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as any).error.code, 'invalid_stream_token');
    const otherCampaign = await fetch(`${base}/api/streams/campaigns/${seeded.leadListId}?token=${encodeURIComponent(token)}`);
    assert.equal(otherCampaign.status, 401);

    const controller = new AbortController();
    const res = await fetch(`${base}${url}`, { signal: controller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    const events: any[] = [];
    let buffer = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += Buffer.from(value).toString();
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = chunk.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
    })();
    await waitFor('the first event', async () => events.length >= 1, 5_000, 50);
    const d = seeded.leadIds[3]!;
    const changedAt = Date.now();
    await record(d, { status: 'in_progress', entries: [{ at: at(5), type: 'lead_started' }], steps: {} });
    const changed = await waitFor('the change on the stream', async () => events.find((e) => e.leads.byStatus.in_progress === 3), 5_000, 20);
    const latency = Date.now() - changedAt;
    assert.ok(latency < 2_000, `stream latency ${latency} ms`);
    assert.ok(changed.version > events[0].version);
    controller.abort();
    await pump;
  });
});
