// Tests run on Node, not in the workflow sandbox: the domain's ban on Node built-ins does not apply here.
// node:test's describe/it return promises its runner tracks itself: nothing to await.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STEP_KINDS, type StepKind } from '../workflow-definition/plan';
import { readText } from './config-checks';
import { isLinkedInWrite, resolveStepKind, STEP_DEFINITIONS, stepDefinition } from './registry';
import { CONNECTION_NOTE_KEYS } from './send-connection-request.step';
import { MESSAGE_KEYS } from './send-followup.step';

const WEBHOOK_ID = '7d3c2a10-5b8e-4f5e-9a51-0c8d4f1e2b3a';
const codes = (kind: StepKind, config: Record<string, unknown>) =>
  stepDefinition(kind)
    .validateConfig(config, 'nodes[0].data.config')
    .map((p) => `${p.code} ${p.path}`);

describe('step registry', () => {
  it('resolves the aliases saved flows use', () => {
    assert.equal(resolveStepKind('send_invite'), 'send_connection_request');
    assert.equal(resolveStepKind('send_invitation'), 'send_connection_request');
    assert.equal(resolveStepKind('send_message'), 'send_followup');
    assert.equal(resolveStepKind('notify_webhook'), 'webhook');
    assert.equal(resolveStepKind(' Send_Invite '), 'send_connection_request');
  });

  it('resolves every canonical kind to itself and nothing else', () => {
    for (const kind of STEP_KINDS) assert.equal(resolveStepKind(kind), kind);
    assert.equal(resolveStepKind('send_carrier_pigeon'), undefined);
    assert.equal(resolveStepKind('constructor'), undefined);
    assert.equal(resolveStepKind(undefined), undefined);
    assert.equal(resolveStepKind(42), undefined);
  });

  it('has one definition per kind, in STEP_KINDS order', () => {
    assert.deepEqual(
      STEP_DEFINITIONS.map((d) => d.kind),
      [...STEP_KINDS],
    );
  });

  it('maps each kind to its activity and quota', () => {
    const table = Object.fromEntries(STEP_DEFINITIONS.map((d) => [d.kind, [d.activityType, d.quotaKind]]));
    assert.deepEqual(table, {
      profile_visit: ['visitProfile', 'profile_visit'],
      like_post: ['likePosts', 'reaction'],
      comment_post: ['commentPosts', 'comment'],
      send_connection_request: ['sendInvitation', 'invitation'],
      send_followup: ['sendMessage', 'message'],
      send_inmail: ['sendInmail', 'inmail'],
      withdraw_request: ['withdrawInvitation', 'withdrawal'],
      webhook: ['notifyWebhook', null],
    });
    assert.equal(isLinkedInWrite('send_followup'), true);
    assert.equal(isLinkedInWrite('webhook'), false);
  });

  it('lets only the connection request decide the acceptance branch', () => {
    assert.deepEqual(
      STEP_DEFINITIONS.filter((d) => d.decidesAcceptanceBranch).map((d) => d.kind),
      ['send_connection_request'],
    );
  });
});

describe('step config validation', () => {
  it('needs a message for a follow-up, under either key', () => {
    assert.deepEqual(codes('send_followup', {}), ['missing_config nodes[0].data.config.message']);
    assert.deepEqual(codes('send_followup', { message: '   ' }), ['missing_config nodes[0].data.config.message']);
    assert.deepEqual(codes('send_followup', { message: 'Hi [first_name]' }), []);
    assert.deepEqual(codes('send_followup', { customMessage: 'Hi' }), []);
  });

  it('reads the text the sender sends from message first, then customMessage', () => {
    assert.equal(readText({ message: 'A', customMessage: 'B' }, MESSAGE_KEYS), 'A');
    assert.equal(readText({ message: ' ', customMessage: 'B' }, CONNECTION_NOTE_KEYS), 'B');
    assert.equal(readText({}, MESSAGE_KEYS), undefined);
  });

  it('validates both text fields when both are saved', () => {
    assert.deepEqual(codes('send_connection_request', { message: 'Hi', customMessage: `[nick] ${'x'.repeat(300)}` }), [
      'unknown_template_variable nodes[0].data.config.customMessage',
      'note_too_long nodes[0].data.config.customMessage',
    ]);
  });

  it('validates the templates of every text field', () => {
    assert.deepEqual(codes('send_followup', { message: 'Hi [first]' }), ['unknown_template_variable nodes[0].data.config.message']);
    assert.deepEqual(codes('send_inmail', { message: 'Hello', subject: 'About [companyname]' }), ['unknown_template_variable nodes[0].data.config.subject']);
    assert.deepEqual(codes('comment_post', { customComment: 'Great post [nick]' }), ['unknown_template_variable nodes[0].data.config.customComment']);
    assert.deepEqual(codes('send_followup', { message: 42 }), ['missing_config nodes[0].data.config.message', 'invalid_config nodes[0].data.config.message']);
  });

  it('needs an InMail message but not its subject', () => {
    assert.deepEqual(codes('send_inmail', { subject: 'Hi' }), ['missing_config nodes[0].data.config.message']);
    assert.deepEqual(codes('send_inmail', { message: 'Hello [first_name]' }), []);
  });

  it('needs a comment unless AI writes it', () => {
    assert.deepEqual(codes('comment_post', {}), ['missing_config nodes[0].data.config.customComment']);
    assert.deepEqual(codes('comment_post', { useAI: true }), []);
    assert.deepEqual(codes('comment_post', { customComment: 'Nice one, [first_name]' }), []);
  });

  it('takes post counts as numbers or numeric strings, from 1 to 10', () => {
    assert.deepEqual(codes('like_post', { numberOfPosts: 3, recentPostDays: '14' }), []);
    assert.deepEqual(codes('like_post', { numberOfPosts: '10' }), []);
    assert.deepEqual(codes('like_post', { numberOfPosts: '' }), []);
    for (const bad of [0, 11, '11', 2.5, '2.5', 'three', -1, true]) {
      assert.deepEqual(codes('like_post', { numberOfPosts: bad }), ['invalid_config nodes[0].data.config.numberOfPosts'], `numberOfPosts ${JSON.stringify(bad)}`);
    }
    assert.deepEqual(codes('comment_post', { useAI: true, postCount: 12, recentPostWithin: 0 }), [
      'invalid_config nodes[0].data.config.postCount',
      'invalid_config nodes[0].data.config.recentPostWithin',
    ]);
  });

  it('takes a webhook id that can exist, or none (every endpoint of the organization)', () => {
    assert.deepEqual(codes('webhook', {}), []);
    assert.deepEqual(codes('webhook', { webhookId: '' }), []);
    assert.deepEqual(codes('webhook', { webhookId: 'hook-1' }), ['invalid_config nodes[0].data.config.webhookId']);
    assert.deepEqual(codes('webhook', { webhookId: WEBHOOK_ID }), []);
  });

  it('accepts a connection request with no note, and refuses a note that can never fit 300 characters', () => {
    assert.deepEqual(codes('send_connection_request', {}), []);
    assert.deepEqual(codes('send_connection_request', { message: `${'x'.repeat(300)} [first_name]` }), ['note_too_long nodes[0].data.config.message']);
    assert.deepEqual(codes('send_connection_request', { customMessage: `Hi [first_name] ${'x'.repeat(280)}` }), []);
  });

  it("takes the note budget policy 'drop' or 'wait'", () => {
    assert.deepEqual(codes('send_connection_request', { message: 'Hi', noteOverBudget: 'wait' }), []);
    assert.deepEqual(codes('send_connection_request', { message: 'Hi', noteOverBudget: 'drop' }), []);
    assert.deepEqual(codes('send_connection_request', { message: 'Hi', noteOverBudget: 'skip' }), ['invalid_config nodes[0].data.config.noteOverBudget']);
  });

  it('asks nothing of the steps that have no settings', () => {
    assert.deepEqual(codes('profile_visit', { anything: 1 }), []);
    assert.deepEqual(codes('withdraw_request', {}), []);
  });
});
