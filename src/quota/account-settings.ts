/**
 * Per-account safety settings: time zone, working hours, limit overrides, warm-up and pacing.
 * No row means every default; an update validates the whole result before storing it.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema';
import { NotFoundError, ValidationError } from '../errors';
import { DEFAULT_SAFETY, DEFAULT_WARMUP, QUOTA_KINDS, safetySettings, type LimitOverrides, type SafetySettings, type WarmupSettings } from './limits';
import type { QuotaTables } from './quota.schema';
import { DEFAULT_WORKING_HOURS, isValidTimezone, parseTimeOfDay, parseWeekday, type WorkingHours } from './schedule';

export interface AccountSettings {
  accountId: string;
  timezone: string;
  workingHours: WorkingHours;
  limits: LimitOverrides;
  warmup: WarmupSettings;
  minGapSeconds: number;
  jitterSeconds: number;
  /** Note budget, pending cap, re-invite wait, health thresholds (every field filled in). */
  safety: SafetySettings;
  /** null while the account runs on defaults (no stored row). */
  updatedAt: Date | null;
}

export const DEFAULT_MIN_GAP_SECONDS = 90;
export const DEFAULT_JITTER_SECONDS = 60;
/** Above anything LinkedIn tolerates; keeps a typo (8000 for 80) from disabling the safety net. */
const MAX_LIMIT = 1_000_000;

export function defaultAccountSettings(accountId: string): AccountSettings {
  return {
    accountId,
    timezone: 'UTC',
    workingHours: { ...DEFAULT_WORKING_HOURS, days: [...DEFAULT_WORKING_HOURS.days] },
    limits: {},
    warmup: { ...DEFAULT_WARMUP },
    minGapSeconds: DEFAULT_MIN_GAP_SECONDS,
    jitterSeconds: DEFAULT_JITTER_SECONDS,
    safety: { ...DEFAULT_SAFETY },
    updatedAt: null,
  };
}

const timeOfDay = z.string().refine((v) => parseTimeOfDay(v) !== null, { message: 'must be a time of day HH:MM (00:00-24:00)' });

const workingHoursSchema = z
  .object({
    days: z
      .array(z.union([z.number(), z.string()]))
      .min(1, 'at least one day')
      .transform((days, ctx) => {
        const out = days.map(parseWeekday);
        if (out.some((d) => d === null)) {
          ctx.addIssue({ code: 'custom', message: 'days are 1-7 (Monday-Sunday) or names like "mon"' });
          return z.NEVER;
        }
        return [...new Set(out as number[])].sort((a, b) => a - b);
      }),
    start: timeOfDay,
    end: timeOfDay,
  })
  .strict()
  .refine((w) => (parseTimeOfDay(w.end) ?? 0) > (parseTimeOfDay(w.start) ?? 0), { message: 'end must be after start (working hours do not wrap past midnight)', path: ['end'] });

const limitValue = z.number().int().min(0).max(MAX_LIMIT);
const limitsSchema = z.partialRecord(
  z.enum(QUOTA_KINDS),
  z.object({ daily: limitValue.optional(), weekly: limitValue.nullable().optional() }).strict(),
);

const warmupSchema = z
  .object({
    days: z.number().int().min(0).max(365),
    startPercent: z.number().min(1).max(100),
    startedAt: z.iso.date().optional(),
  })
  .strict();

const count = z.number().int().min(0).max(MAX_LIMIT);
const safetySchema = z
  .object({
    freeNotesPerMonth: count,
    paidNotesPerMonth: count.nullable(),
    pendingCap: z.number().int().min(1).max(MAX_LIMIT),
    withdrawPendingAfterDays: z.number().int().min(1).max(365),
    reinviteAfterWithdrawalDays: z.number().int().min(0).max(365),
    healthMinAcceptancePercent: z.number().min(0).max(100),
    healthMinSample: z.number().int().min(1).max(100),
    healthMaxRefusals: count,
    slowdownPercent: z.number().min(1).max(100),
    spreadOverWindow: z.boolean(),
  })
  .partial()
  .strict();

const patchSchema = z
  .object({
    timezone: z.string().refine(isValidTimezone, { message: 'must be an IANA time zone such as Europe/Paris' }),
    workingHours: workingHoursSchema,
    limits: limitsSchema,
    warmup: warmupSchema,
    minGapSeconds: z.number().int().min(0).max(86_400),
    jitterSeconds: z.number().int().min(0).max(86_400),
    safety: safetySchema,
  })
  .partial()
  .strict();

/** What updateAccountSettings accepts: any subset; `limits` replaces the stored overrides as a whole. */
export type AccountSettingsPatch = z.input<typeof patchSchema>;

type QuotaDb = Kysely<Database & QuotaTables>;

export async function getAccountSettings(db: Kysely<Database>, accountId: string): Promise<AccountSettings> {
  const row = await db.withTables<QuotaTables>().selectFrom('account_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return settingsFromRow(accountId, row ?? null);
}

/** Settings of an account inside a transaction that already holds its lock (or none needed). */
export async function readAccountSettings(trx: QuotaDb, accountId: string): Promise<AccountSettings> {
  const row = await trx.selectFrom('account_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return settingsFromRow(accountId, row ?? null);
}

/** Validates the patch (every problem listed in ValidationError.details), merges it and stores the result. */
export async function updateAccountSettings(db: Kysely<Database>, accountId: string, patch: AccountSettingsPatch, opts: { now?: Date } = {}): Promise<AccountSettings> {
  const parsed = patchSchema.safeParse(patch);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid_account_settings',
      'account settings are invalid',
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  const p = parsed.data;
  return db.transaction().execute(async (trx) => {
    const account = await trx.selectFrom('connected_accounts').select('id').where('id', '=', accountId).forNoKeyUpdate().executeTakeFirst();
    if (!account) throw new NotFoundError('account', accountId);
    const q = trx.withTables<QuotaTables>();
    const current = await readAccountSettings(q, accountId);
    const next: AccountSettings = {
      ...current,
      ...(p.timezone !== undefined && { timezone: p.timezone }),
      ...(p.workingHours !== undefined && { workingHours: p.workingHours }),
      ...(p.limits !== undefined && { limits: p.limits }),
      ...(p.warmup !== undefined && { warmup: p.warmup }),
      ...(p.minGapSeconds !== undefined && { minGapSeconds: p.minGapSeconds }),
      ...(p.jitterSeconds !== undefined && { jitterSeconds: p.jitterSeconds }),
      ...(p.safety !== undefined && { safety: { ...current.safety, ...p.safety } }),
      updatedAt: opts.now ?? new Date(),
    };
    const values = {
      account_id: accountId,
      timezone: next.timezone,
      working_hours: JSON.stringify(next.workingHours),
      limits: JSON.stringify(next.limits),
      warmup: JSON.stringify(next.warmup),
      min_gap_seconds: next.minGapSeconds,
      jitter_seconds: next.jitterSeconds,
      safety: JSON.stringify(next.safety),
      updated_at: next.updatedAt!,
    };
    const { account_id: _id, ...update } = values;
    await q.insertInto('account_settings').values(values).onConflict((oc) => oc.column('account_id').doUpdateSet(update)).execute();
    return next;
  });
}

/** The stored row, or null for an account with no row (every default). */
export function settingsFromRow(
  accountId: string,
  row: {
    timezone: string;
    working_hours: WorkingHours;
    limits: LimitOverrides;
    warmup: WarmupSettings;
    min_gap_seconds: number;
    jitter_seconds: number;
    safety?: Partial<SafetySettings> | null;
    updated_at: Date;
  } | null,
): AccountSettings {
  if (!row) return defaultAccountSettings(accountId);
  return {
    accountId,
    timezone: row.timezone,
    workingHours: row.working_hours,
    limits: row.limits,
    warmup: row.warmup,
    minGapSeconds: row.min_gap_seconds,
    jitterSeconds: row.jitter_seconds,
    safety: safetySettings(row.safety),
    updatedAt: new Date(row.updated_at),
  };
}
