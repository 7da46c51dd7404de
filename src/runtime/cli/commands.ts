/**
 * The people's commands, over the HTTP API. Each returns what `--json` prints; `print` writes the
 * readable form (tables, progress bars) to stdout when `--json` is not given.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { CliError, type ApiClient } from './api-client';
import { bar, LiveBlock, table } from './render';

export interface CommandContext {
  api: ApiClient;
  json: boolean;
  out: { write(s: string): boolean; isTTY?: boolean };
  /** Poll interval of `watch` (ms). */
  intervalMs: number;
  flags: Record<string, string | true>;
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface Campaign {
  id: string;
  name: string;
  status: string;
  statusReason: string | null;
  leadListId: string | null;
  senderAccountId: string | null;
  startedAt: string | null;
  completedAt: string | null;
  createdAt: string;
}
interface StepView {
  kind: string;
  label: string;
  running: number;
  done: number;
  skipped: number;
  failed: number;
}
interface StatusView {
  campaignId: string;
  status: string;
  statusReason: string | null;
  totalLeads: number;
  processedLeads: number;
  successfulLeads: number;
  failedLeads: number;
  leadsByState: Record<string, number>;
  steps: Record<string, StepView>;
}

const FINAL = new Set(['completed', 'stopped', 'failed']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requireId(id: string | undefined, what: string): string {
  if (!id) throw new CliError(`missing ${what}`, 'usage');
  if (!UUID.test(id)) throw new CliError(`${what} must be a UUID, got "${id}"`, 'usage');
  return id;
}

export async function listCampaigns(ctx: CommandContext): Promise<Campaign[]> {
  const all: Campaign[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<Campaign> = await ctx.api.call('GET', `/api/campaigns?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  if (!ctx.json) ctx.out.write(table(all, ['id', 'name', 'status', 'startedAt', 'completedAt']));
  return all;
}

async function statusOf(ctx: CommandContext, id: string): Promise<StatusView> {
  return ctx.api.call<StatusView>('GET', `/api/campaigns/status?campaignId=${id}`);
}

function stepRows(s: StatusView) {
  return Object.entries(s.steps).map(([id, step]) => ({ step: id, kind: step.kind, running: step.running, done: step.done, skipped: step.skipped, failed: step.failed }));
}

export async function showCampaign(ctx: CommandContext, idArg: string | undefined): Promise<{ campaign: Campaign; status: StatusView }> {
  const id = requireId(idArg, 'campaign id');
  const [campaign, status] = await Promise.all([ctx.api.call<Campaign>('GET', `/api/campaigns/${id}`), statusOf(ctx, id)]);
  if (!ctx.json) {
    const states = Object.entries(status.leadsByState).map(([k, v]) => `${k} ${v}`).join(', ') || 'none yet';
    ctx.out.write(
      [
        `Campaign  ${campaign.name} (${campaign.id})`,
        `Status    ${status.status}${status.statusReason ? ` (${status.statusReason})` : ''}`,
        `Leads     ${status.processedLeads}/${status.totalLeads} processed: ${status.successfulLeads} succeeded, ${status.failedLeads} failed`,
        `States    ${states}`,
        `Started   ${campaign.startedAt ?? '-'}    Completed ${campaign.completedAt ?? '-'}`,
        '',
      ].join('\n'),
    );
    ctx.out.write(table(stepRows(status), ['step', 'kind', 'running', 'done', 'skipped', 'failed']));
  }
  return { campaign, status };
}

/** Redraws a bar per step until the campaign ends (completed, stopped, failed) or the user presses Ctrl-C. */
export async function watchCampaign(ctx: CommandContext, idArg: string | undefined): Promise<StatusView> {
  const id = requireId(idArg, 'campaign id');
  const live = new LiveBlock(ctx.out);
  for (;;) {
    const s = await statusOf(ctx, id);
    if (ctx.json) ctx.out.write(`${JSON.stringify(s)}\n`);
    else {
      const labelWidth = Math.max(5, ...Object.entries(s.steps).map(([stepId, st]) => `${st.label || stepId}`.length));
      live.render([
        `${s.status.padEnd(11)} leads ${bar(s.processedLeads, s.totalLeads)}`,
        ...Object.entries(s.steps).map(([stepId, st]) => {
          const finished = st.done + st.skipped + st.failed;
          return `  ${(st.label || stepId).padEnd(labelWidth)} ${bar(finished, s.totalLeads)}  running ${st.running}, skipped ${st.skipped}, failed ${st.failed}`;
        }),
      ]);
    }
    if (FINAL.has(s.status)) return s;
    await new Promise((r) => setTimeout(r, ctx.intervalMs));
  }
}

export async function control(ctx: CommandContext, action: 'pause' | 'resume' | 'stop', idArg: string | undefined): Promise<unknown> {
  const id = requireId(idArg, 'campaign id');
  const body: Record<string, unknown> = { campaignId: id };
  if (action !== 'resume' && typeof ctx.flags.reason === 'string') body.reason = ctx.flags.reason;
  const result = await ctx.api.call<{ status?: string }>('POST', `/api/campaigns/${action}`, { json: body });
  if (!ctx.json) ctx.out.write(`${action}: campaign ${id} is now ${result.status ?? 'updated'}\n`);
  return result;
}

interface ImportReport {
  imported: number;
  duplicates: number;
  rejected: number;
  errors: Array<{ row: number; field?: string; code: string; message: string }>;
  totalLeads: number;
}

/**
 * Uploads the CSV in chunks of `--batch` rows (default 500; the header repeated on each), so the bar
 * moves with the rows the API has taken. Row numbers in errors refer to the whole file.
 */
export async function importLeads(ctx: CommandContext, listArg: string | undefined, file: string | undefined): Promise<ImportReport> {
  const listId = requireId(listArg, 'lead list id');
  if (!file) throw new CliError('missing the CSV file', 'usage');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file}`, 'file_unreadable');
  }
  let records: string[][];
  try {
    const parsed: unknown = parse(text, { delimiter: [',', ';', '\t'], bom: true, skip_empty_lines: true, relax_column_count: true });
    records = parsed as string[][];
  } catch (err) {
    throw new CliError(`${file} is not a CSV file: ${err instanceof Error ? err.message : String(err)}`, 'invalid_csv');
  }
  const [header, ...rows] = records;
  if (!header || rows.length === 0) throw new CliError(`${file} has no lead rows under its header`, 'invalid_csv');
  const batch = Number(ctx.flags.batch ?? 500);
  if (!Number.isInteger(batch) || batch < 1) throw new CliError('--batch must be a positive integer', 'usage');
  const live = new LiveBlock(ctx.out);
  const total: ImportReport = { imported: 0, duplicates: 0, rejected: 0, errors: [], totalLeads: 0 };
  for (let start = 0; start < rows.length; start += batch) {
    const chunk = rows.slice(start, start + batch);
    const csv = [header, ...chunk].map(toCsvLine).join('\n');
    const r = await ctx.api.call<ImportReport>('POST', `/api/lead-lists/${listId}/leads`, { text: csv, contentType: 'text/csv' });
    total.imported += r.imported;
    total.duplicates += r.duplicates;
    total.rejected += r.rejected;
    // The chunk's row 2 is the file's row start + 2 (row 1 is the header in both).
    total.errors.push(...r.errors.map((e) => ({ ...e, row: e.row + start })));
    total.totalLeads = r.totalLeads;
    if (!ctx.json) live.render([`importing ${bar(Math.min(rows.length, start + chunk.length), rows.length)}  imported ${total.imported}, duplicates ${total.duplicates}, rejected ${total.rejected}`]);
  }
  if (!ctx.json) {
    ctx.out.write(`done: ${total.imported} imported, ${total.duplicates} duplicates, ${total.rejected} rejected; the list now holds ${total.totalLeads} leads\n`);
    if (total.errors.length > 0) ctx.out.write(table(total.errors.slice(0, 20), ['row', 'field', 'code', 'message']));
  }
  return total;
}

function toCsvLine(cells: string[]): string {
  return cells.map((c) => (/[",;\t\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}

interface ApiKeyView {
  id: string;
  name?: string | null;
  keyPrefix?: string;
  createdAt?: string;
  lastUsedAt?: string | null;
  expiresAt?: string | null;
  revokedAt?: string | null;
  apiKey?: string;
  key?: string;
}

/** keys [list] | keys create [--name N] [--expires-at ISO] | keys revoke <id> | keys rotate <id> (the API-key routes of /api/api-keys). */
export async function keys(ctx: CommandContext, sub: string | undefined, arg: string | undefined): Promise<unknown> {
  const columns = ['id', 'name', 'keyPrefix', 'createdAt', 'lastUsedAt', 'expiresAt'];
  switch (sub ?? 'list') {
    case 'list': {
      const res = await ctx.api.call<Page<ApiKeyView> | ApiKeyView[]>('GET', '/api/api-keys');
      const items = Array.isArray(res) ? res : res.items;
      if (!ctx.json) ctx.out.write(table(items, columns));
      return items;
    }
    case 'create':
    case 'rotate': {
      const created =
        sub === 'create'
          ? await ctx.api.call<ApiKeyView>('POST', '/api/api-keys', {
              json: {
                ...(typeof ctx.flags.name === 'string' ? { name: ctx.flags.name } : {}),
                ...(typeof ctx.flags['expires-at'] === 'string' ? { expiresAt: ctx.flags['expires-at'] } : {}),
              },
            })
          : await ctx.api.call<ApiKeyView>('POST', `/api/api-keys/${requireId(arg, 'key id')}/rotate`, { json: {} });
      if (!ctx.json) {
        ctx.out.write(table([created], columns));
        ctx.out.write(`key: ${created.apiKey ?? created.key ?? '(not returned)'}\n(shown once: store it now)\n`);
      }
      return created;
    }
    case 'revoke': {
      const id = requireId(arg, 'key id');
      await ctx.api.call('DELETE', `/api/api-keys/${id}`);
      if (!ctx.json) ctx.out.write(`revoked key ${id}\n`);
      return { id, revoked: true };
    }
    default:
      throw new CliError(`unknown keys command "${sub}" (list, create, revoke, rotate)`, 'usage');
  }
}
