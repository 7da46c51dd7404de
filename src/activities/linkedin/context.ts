/**
 * What every LinkedIn step activity shares: loading the sender account (no call goes out on a
 * disconnected one), resolving the lead's provider id, ledgered writes, heartbeats, and mapping Unipile
 * errors to typed ApplicationFailures (skips are returned, never thrown).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../../db/connection';
import type { Logger } from '../../logger';
import { FAILURE_TYPES, type FailureType } from '../../domain/failure-types';
import type { StepActivityInput, StepOutcome } from '../../domain/step-outcome';
import type { StepKind } from '../../domain/workflow-definition/plan';
import { classifyUnipileError, UnipileError, writeMayHaveHappened, type AccountStopFailure } from '../../linkedin/errors';
import { leadProfileIdentifier } from '../../linkedin/identifiers';
import { idempotencyKey, performWrite, type LedgerOutcome } from '../../linkedin/ledger';
import { sql } from 'kysely';
import { MissingTemplateVariableError, renderTemplate, UnknownTemplateVariableError, type TemplateLead } from '../../domain/templates';
import type { UserProfile } from '../../linkedin/unipile.schemas';
import type { CallOptions, RateLimitSignal, UnipileClient } from '../../linkedin/unipile.client';
import type { WebhookDestinationPolicy } from '../../services/webhook-destinations';
import { leadTemplateValues } from '../../services/template-preview';
import { linkedinActionDuration, linkedinActions } from '../../telemetry/metrics';
import { stepDefinition } from '../../domain/steps/registry';
import { isQuotaKind, type QuotaKind } from '../../quota/limits';
import { recordProviderBlock } from '../../quota/quota.repository';
import { recordDisconnect, recordRateLimitHeaders } from '../../quota/sender-safety';
import { leadOnList } from '../../services/do-not-contact';
import { oneVoice, workedElsewhere } from '../../services/one-voice';
import { campaignNotActive } from '../campaign.activities';
import { connectedToSenderSkip, contactedRecentlySkip, loadCampaignFilters } from './lead-filters';

export interface AccountStoppedEvent {
  accountId: string;
  organizationId: string;
  reason: string;
  failureType: string;
}

export interface LinkedInActivityDeps {
  db: Db;
  unipile: UnipileClient;
  logger: Logger;
  /** Where the `webhook` step may deliver (https, public addresses); strict when unset. */
  webhookDestinations?: WebhookDestinationPolicy;
  onAccountStopped?: (e: AccountStoppedEvent) => Promise<void>;
}

/** The campaign's configuration cannot work (no message, unknown webhook...): ConfigurationError, never retried. */
export class StepConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepConfigurationError';
  }
}

export interface SenderAccount {
  id: string;
  organizationId: string;
  /** Unipile's account_id. */
  unipileAccountId: string;
}

/** The Temporal activity context when running in one (undefined in plain tests and scripts). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * The time the activity runs at, by the Temporal server's clock (the attempt's scheduled time; on the
 * time-skipping server, skipped time), else the machine's. Sender-safety records use it so that they
 * agree with the reservations, which run on workflow time.
 */
export function activityNow(): Date {
  const ctx = activityContext();
  return ctx ? new Date(ctx.info.currentAttemptScheduledTimestampMs) : new Date();
}

/** At or under this share of Unipile's rate limit left, the account pauses until the limiter resets. */
export const RATE_LIMIT_LOW_SHARE = 0.1;

export function heartbeat(details?: unknown): void {
  activityContext()?.heartbeat(details);
}

export async function loadSenderAccount(db: Db, organizationId: string, accountId: string): Promise<SenderAccount> {
  const row = await db
    .selectFrom('connected_accounts')
    .select(['id', 'organization_id', 'provider_account_id', 'status', 'status_reason'])
    .where('id', '=', accountId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  if (!row) throw new StepConfigurationError(`sender account ${accountId} not found in this organization`);
  if (row.status !== 'connected') {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.InvalidCredentialsError,
      message: `sender account ${accountId} is ${row.status}${row.status_reason ? ` (${row.status_reason})` : ''}: reconnect it`,
      nonRetryable: true,
      details: [{ accountId, status: row.status, reason: row.status_reason }],
    });
  }
  return { id: row.id, organizationId: row.organization_id, unipileAccountId: row.provider_account_id };
}

/** One run of one step for one lead. */
export class StepContext {
  readonly call: CallOptions;
  /** The latest rate-limit headers Unipile sent during this step. */
  rateLimit: RateLimitSignal | null = null;
  #providerId: string | null;

  constructor(
    readonly deps: LinkedInActivityDeps,
    readonly input: StepActivityInput,
    readonly kind: StepKind,
    readonly account: SenderAccount | null,
    readonly log: Logger,
  ) {
    this.call = {
      signal: activityContext()?.cancellationSignal,
      onRateLimit: (signal) => {
        this.rateLimit = signal;
      },
    };
    this.#providerId = input.lead.providerId;
  }

  get unipileAccountId(): string {
    if (!this.account) throw new Error(`step ${this.kind} runs without a sender account`);
    return this.account.unipileAccountId;
  }

  heartbeat(details?: unknown): void {
    heartbeat(details);
  }

  /** The organization's one-voice setting, when the step path read it (runStepOnce does). */
  oneVoice: boolean | undefined;

  /**
   * Whether to skip people this organization already invited/messaged from another campaign: the
   * organization's one-voice setting (default on); a step's `config.dedupeAcrossCampaigns: false` still turns it off.
   */
  get dedupeAcrossCampaigns(): boolean {
    return this.oneVoice !== false && this.input.config.dedupeAcrossCampaigns !== false;
  }

  /** The lead's provider id; resolved by a (silent) profile read and stored on the lead when unknown. */
  async providerId(): Promise<string> {
    if (this.#providerId) return this.#providerId;
    const identifier = leadProfileIdentifier(this.input.lead);
    if (!identifier) throw new StepConfigurationError(`lead ${this.input.lead.id} has no LinkedIn URL or id`);
    const profile = await this.deps.unipile.users.getProfile({ account_id: this.unipileAccountId, identifier }, this.call);
    await this.rememberProviderId(profile.provider_id);
    await this.rememberProfile(profile);
    return profile.provider_id;
  }

  /**
   * Fills the lead's empty name, company and title from what Unipile returned for the profile, and keeps
   * the headline in `enrichment_data.profile`: values imported with the lead are never overwritten.
   */
  async rememberProfile(profile: UserProfile): Promise<void> {
    const job = currentJob(profile);
    const fill = (column: 'first_name' | 'last_name' | 'company' | 'title', value: string | null | undefined) =>
      sql<string | null>`coalesce(nullif(btrim(${sql.ref(column)}), ''), ${value?.trim() || null})`;
    const fullName = [profile.first_name, profile.last_name].map((v) => v?.trim()).filter(Boolean).join(' ') || null;
    const kept = { headline: profile.headline ?? null, publicIdentifier: profile.public_identifier ?? null, company: job.company, title: job.title };
    await this.deps.db
      .updateTable('leads')
      .set({
        first_name: fill('first_name', profile.first_name),
        last_name: fill('last_name', profile.last_name),
        full_name: sql<string | null>`coalesce(nullif(btrim(full_name), ''), ${fullName})`,
        company: fill('company', job.company),
        title: fill('title', job.title),
        enrichment_data: sql<string>`coalesce(enrichment_data, '{}'::jsonb) || jsonb_build_object('profile', ${JSON.stringify(kept)}::jsonb)`,
      })
      .where('id', '=', this.input.lead.id)
      .where('organization_id', '=', this.input.organizationId)
      .execute();
  }

  /**
   * The lead's template values: the workflow's snapshot, completed by what the database holds now
   * (a profile visit earlier in the sequence may have filled what the import lacked).
   */
  async templateLead(): Promise<TemplateLead> {
    const lead = this.input.lead;
    const row = await this.deps.db
      .selectFrom('leads')
      .select(['first_name', 'last_name', 'full_name', 'company', 'title', 'enrichment_data'])
      .where('id', '=', lead.id)
      .where('organization_id', '=', this.input.organizationId)
      .executeTakeFirst();
    const pick = (a: string | null | undefined, b: string | null | undefined) => (a?.trim() ? a : (b ?? null));
    const stored = row ? leadTemplateValues(row) : {};
    return {
      firstName: pick(lead.firstName, stored.firstName),
      lastName: pick(lead.lastName, stored.lastName),
      fullName: pick(lead.fullName, stored.fullName),
      company: pick(lead.company, stored.company),
      title: pick(lead.title, stored.title),
      headline: stored.headline ?? null,
    };
  }

  /** Renders a template for this lead; a missing value without a fallback throws (the step is skipped). */
  async render(template: string): Promise<string> {
    return renderTemplate(template, await this.templateLead());
  }

  async rememberProviderId(providerId: string): Promise<void> {
    this.#providerId = providerId;
    if (this.input.lead.providerId === providerId) return;
    await this.deps.db
      .updateTable('leads')
      .set({ provider_id: providerId })
      .where('id', '=', this.input.lead.id)
      .where('organization_id', '=', this.input.organizationId)
      .execute();
  }

  key(kind: string, n?: string | number): string {
    return idempotencyKey({ campaignId: this.input.campaignId, leadId: this.input.lead.id, stepId: this.input.stepId, kind, n });
  }

  /**
   * A LinkedIn write through the ledger: `send` runs at most once per key unless LinkedIn surely refused;
   * a target-level refusal (already connected, blocked...) is recorded and returned as a skip.
   */
  async write<R extends Record<string, unknown>>(o: {
    kind: string;
    n?: string | number;
    targetProviderId: string | null;
    reconcile?: () => Promise<R | null>;
    send: () => Promise<R>;
    /** Whether a failed `send` may still have taken effect (default: the write rules of the error taxonomy). */
    mayHaveHappened?: (err: unknown) => boolean;
  }): Promise<LedgerOutcome<R>> {
    const account = this.account;
    if (!account) throw new Error('ledgered writes need a sender account');
    const out = await performWrite<R>(this.deps.db, {
      key: this.key(o.kind, o.n),
      organizationId: this.input.organizationId,
      accountId: account.id,
      campaignId: this.input.campaignId,
      leadId: this.input.lead.id,
      stepId: this.input.stepId,
      kind: o.kind,
      targetProviderId: o.targetProviderId,
      reconcile: o.reconcile,
      mayHaveHappened: o.mayHaveHappened ?? writeMayHaveHappened,
      write: async () => {
        try {
          return { status: 'succeeded', result: await o.send() };
        } catch (err) {
          const c = err instanceof UnipileError ? classifyUnipileError(err, { isWrite: true }) : null;
          if (c?.outcome === 'skip') return { status: 'skipped', reason: c.reason };
          throw err;
        }
      },
    });
    if (out.replayed || out.reconciled) this.log.info({ key: this.key(o.kind, o.n), replayed: out.replayed, reconciled: out.reconciled }, 'write not sent again');
    return out;
  }
}

/** The position and company of the profile's current job (Unipile's `work_experience`, when it was asked for). */
function currentJob(profile: UserProfile): { company: string | null; title: string | null } {
  const jobs = (profile as { work_experience?: unknown }).work_experience;
  if (!Array.isArray(jobs)) return { company: null, title: null };
  const list = jobs.filter((j): j is { company?: unknown; position?: unknown; current?: unknown } => typeof j === 'object' && j !== null);
  const job = list.find((j) => j.current === true) ?? list[0];
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return { company: text(job?.company), title: text(job?.position) };
}

/** Records the stop on the account row and tells the engine, before the failure is thrown. */
async function stopAccount(deps: LinkedInActivityDeps, account: SenderAccount, failureType: AccountStopFailure, reason: string, log: Logger): Promise<void> {
  // Our API key being refused is not the account's fault: mark it `error`, not `disconnected`.
  const status = failureType === FAILURE_TYPES.AuthenticationError ? 'error' : 'disconnected';
  await deps.db.updateTable('connected_accounts').set({ status, status_reason: reason, updated_at: new Date() }).where('id', '=', account.id).execute();
  log.warn({ accountId: account.id, failureType, reason }, 'sender account stopped');
  await recordDisconnect(deps.db, account.id, reason, activityNow());
  try {
    await deps.onAccountStopped?.({ accountId: account.id, organizationId: account.organizationId, reason, failureType });
  } catch (e) {
    log.error({ err: e instanceof Error ? e.message : String(e) }, 'onAccountStopped failed');
  }
}

function failure(type: FailureType, message: string, opts: { nonRetryable: boolean; nextRetryDelayMs?: number; details: Record<string, unknown> }): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: opts.nonRetryable,
    ...(opts.nextRetryDelayMs !== undefined ? { nextRetryDelay: opts.nextRetryDelayMs } : {}),
    details: [opts.details],
  });
}

/**
 * Turns anything a step threw into its outcome: a skip (returned), or a typed ApplicationFailure.
 * Errors that are neither ours nor Unipile's (a database hiccup) are rethrown as they are: Temporal retries them.
 */
export async function settleError(err: unknown, deps: LinkedInActivityDeps, account: SenderAccount | null, log: Logger, stepKind?: StepKind): Promise<StepOutcome> {
  if (err instanceof ApplicationFailure) throw err;
  if (err instanceof MissingTemplateVariableError) {
    // Never a message with a hole in it: the step is skipped and the timeline says which value was missing.
    log.info({ variable: err.variable }, 'step skipped: template variable without a value');
    return { status: 'skipped', reason: 'missing_variable', detail: { variable: err.variable } };
  }
  if (err instanceof StepConfigurationError || err instanceof UnknownTemplateVariableError) {
    throw failure(FAILURE_TYPES.ConfigurationError, err.message, { nonRetryable: true, details: { reason: 'configuration' } });
  }
  if (!(err instanceof UnipileError)) throw err;
  const c = classifyUnipileError(err, { isWrite: err.write });
  const details = { reason: c.reason, status: err.status, unipileType: err.type, route: `${err.method} ${err.path}` };
  switch (c.outcome) {
    case 'skip':
      log.info({ reason: c.reason }, 'step skipped');
      return { status: 'skipped', reason: c.reason };
    case 'retry':
      throw failure(FAILURE_TYPES.TransientError, err.message, { nonRetryable: false, nextRetryDelayMs: c.retryAfterMs, details });
    case 'indeterminate':
      throw failure(FAILURE_TYPES.IndeterminateWriteError, `${err.message}: the write may have happened; the retry reconciles first`, { nonRetryable: false, details });
    case 'rate_limited':
      // Every lead on this account waits, not only this one: the block is read by every reservation.
      if (account) await blockAccount(deps, account, stepKind, err, c.reason, c.retryAfterMs);
      throw failure(FAILURE_TYPES.RateLimitedError, err.message, { nonRetryable: true, nextRetryDelayMs: c.retryAfterMs, details: { ...details, retryAfterMs: c.retryAfterMs } });
    case 'account_stop':
      if (account) await stopAccount(deps, account, c.failureType, c.reason, log);
      throw failure(c.failureType, err.message, { nonRetryable: true, details: { ...details, accountId: account?.id } });
    case 'fatal':
      throw failure(c.failureType, err.message, { nonRetryable: true, details });
  }
}

/**
 * LinkedIn or Unipile refused for volume: no reservation of that kind (Unipile's limiter, a 429: every
 * kind) before the stated time. A LinkedIn refusal also counts against the account's health.
 */
async function blockAccount(deps: LinkedInActivityDeps, account: SenderAccount, stepKind: StepKind | undefined, err: UnipileError, reason: string, retryAfterMs: number): Promise<void> {
  const quotaKind = stepKind ? stepDefinition(stepKind).quotaKind : undefined;
  const kind: QuotaKind | 'all' = err.type === 'limit_exceeded' && quotaKind && isQuotaKind(quotaKind) ? quotaKind : 'all';
  const now = activityNow();
  const label = err.source === 'api' ? 'api/too_many_requests' : `${err.source ?? 'errors'}/${err.type}`;
  await recordProviderBlock(deps.db, { accountId: account.id, kind, until: new Date(now.getTime() + retryAfterMs), reason: reason === 'api_too_many_requests' ? 'api/too_many_requests' : label, now });
}

/** Unipile's rate-limit headers: stored for the usage view; nearly spent, the account waits for the limiter's reset. */
export async function recordRateLimit(deps: LinkedInActivityDeps, account: SenderAccount, s: RateLimitSignal): Promise<void> {
  const now = activityNow();
  await recordRateLimitHeaders(deps.db, account.id, { limit: s.limit, remaining: s.remaining, resetAt: s.resetAt }, now);
  const low = s.remaining !== null && (s.remaining <= 0 || (s.limit !== null && s.limit > 0 && s.remaining / s.limit <= RATE_LIMIT_LOW_SHARE));
  if (!low) return;
  const untilMs = s.retryAfterMs !== null ? now.getTime() + s.retryAfterMs : s.resetAt ? s.resetAt.getTime() : now.getTime() + 60_000;
  await recordProviderBlock(deps.db, { accountId: account.id, kind: 'all', until: new Date(Math.max(untilMs, now.getTime() + 1000)), reason: 'api/ratelimit_remaining', now });
}

/** A step kind's behaviour; the registry maps activity names to these. */
export interface LinkedInStepDefinition {
  kind: StepKind;
  /** False for steps that never call LinkedIn (webhook): no sender-account check. */
  usesAccount: boolean;
  run(ctx: StepContext): Promise<StepOutcome>;
}

export async function runStep(def: LinkedInStepDefinition, deps: LinkedInActivityDeps, input: StepActivityInput): Promise<StepOutcome> {
  const stopTimer = linkedinActionDuration.startTimer({ kind: def.kind });
  try {
    const outcome = await runStepOnce(def, deps, input);
    linkedinActions.inc({ kind: def.kind, outcome: outcome.status, reason: outcome.status === 'skipped' ? outcome.reason : '' });
    return outcome;
  } catch (err) {
    // Each attempt counts: a step retried twice then done shows two failures and one done.
    const type = err instanceof ApplicationFailure && err.type ? err.type : 'UnexpectedError';
    linkedinActions.inc({ kind: def.kind, outcome: 'failed', reason: type });
    throw err;
  } finally {
    stopTimer();
  }
}

async function runStepOnce(def: LinkedInStepDefinition, deps: LinkedInActivityDeps, input: StepActivityInput): Promise<StepOutcome> {
  const log = deps.logger.child({ step: def.kind, campaignId: input.campaignId, leadId: input.lead.id, stepId: input.stepId });
  let account: SenderAccount | null = null;
  let ctx: StepContext | null = null;
  try {
    // Before the lead's first action and before every later one: an entry added mid-campaign ends the
    // lead at its next step (do_not_contact is a stop reason), without a call to LinkedIn.
    const listed = await leadOnList(deps.db, input.organizationId, input.lead.id);
    if (listed) {
      log.info({ entryId: listed.id, kind: listed.kind }, 'step skipped: lead on the do-not-contact list');
      return { status: 'skipped', reason: 'do_not_contact', detail: { entryId: listed.id, kind: listed.kind } };
    }
    const voice = await oneVoice(deps.db, input.organizationId);
    const elsewhere = voice ? await workedElsewhere(deps.db, { organizationId: input.organizationId, campaignId: input.campaignId, leadId: input.lead.id }) : undefined;
    if (elsewhere) {
      log.info({ otherCampaignId: elsewhere.campaignId }, 'step skipped: another campaign works this person');
      return { status: 'skipped', reason: 'in_another_campaign', detail: { campaignId: elsewhere.campaignId } };
    }
    account = def.usesAccount ? await loadSenderAccount(deps.db, input.organizationId, input.accountId) : null;
    // Read last, right before LinkedIn: a pause that returned while the checks above ran still holds
    // this action back (the activity's guard read the status before them, and refused a missing campaign).
    const filters = await loadCampaignFilters(deps.db, input);
    if (filters.campaignStatus && filters.campaignStatus !== 'in_progress') throw campaignNotActive(filters.campaignStatus);
    const recent = await contactedRecentlySkip(deps.db, input, filters, activityNow());
    if (recent) {
      log.info({ reason: recent.reason }, 'step skipped by the campaign lead filters');
      return recent;
    }
    ctx = new StepContext(deps, input, def.kind, account, log);
    ctx.oneVoice = voice;
    const connected = await connectedToSenderSkip(ctx, filters);
    if (connected) {
      log.info({ reason: connected.reason }, 'step skipped by the campaign lead filters');
      return connected;
    }
    const outcome = await def.run(ctx);
    log.info({ status: outcome.status, ...(outcome.status === 'skipped' ? { reason: outcome.reason } : {}) }, 'step finished');
    return outcome;
  } catch (err) {
    return await settleError(err, deps, account, log, def.kind);
  } finally {
    if (account && ctx?.rateLimit) {
      await recordRateLimit(deps, account, ctx.rateLimit).catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not record rate-limit headers'));
    }
  }
}

/** A positive integer from the editor's config (numbers or numeric strings), else the default. */
export function configInt(config: Record<string, unknown>, key: string, def: number): number {
  const v = config[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : def;
}

/** The first non-blank string among `keys`. */
export function configText(config: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = config[k];
    if (typeof v === 'string' && v.trim()) return v;
  }
  return undefined;
}
