/**
 * What the local runner prints once everything is up: where each part is, the credentials to try the
 * API with, and what is wrong (Unipile unreachable, token refused, webhooks not registered). Pure: the
 * runner gathers the facts, this lays them out.
 */
import type { UnipileProbeResult } from '../linkedin/unipile-probe';

export interface BannerFacts {
  apiUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  database: string;
  worker: string;
  /** The dashboard's URL once it exists (issue 10 adds /app); undefined: no line. */
  dashboardUrl?: string | undefined;
  unipile: { kind: 'sandbox'; url: string; acceptance: string; stateFile: string } | { kind: 'unipile'; url: string };
  unipileProbe: UnipileProbeResult | undefined;
  webhooks: { url: string; created: number; existing: number } | { error: string } | undefined;
  local?: {
    organizationId: string;
    apiKey: string;
    credentialsFile: string;
    senderAccountId: string;
    sandboxAccountId: string;
    envFile: string;
  };
}

export function formatBanner(f: BannerFacts): string {
  const line = (label: string, value: string) => `  ${label.padEnd(17)}${value}`;
  const out = ['', 'Clento outreach is running:'];
  out.push(line('API', `${f.apiUrl}`));
  out.push(line('API docs', `${f.apiUrl}/docs   (OpenAPI JSON: ${f.apiUrl}/docs/json)`));
  // Dashboard: the web dashboard (issue 10) sets `dashboardUrl`; its line goes here.
  if (f.dashboardUrl) out.push(line('Dashboard', f.dashboardUrl));
  out.push(line('Temporal', f.temporalAddress));
  if (f.temporalUiUrl) out.push(line('Temporal Web UI', f.temporalUiUrl));
  out.push(line('Database', f.database));
  out.push(line('Worker', f.worker));
  if (f.unipile.kind === 'sandbox') {
    out.push(line('LinkedIn', `sandbox Unipile API at ${f.unipile.url}   (${f.unipile.acceptance})`));
    out.push(line('Sandbox controls', `${f.unipile.url}/_sandbox/...   (accept, ignore, reply, people, faults, calls: src/linkedin/sandbox/README.md)`));
    out.push(line('Sandbox state', f.unipile.stateFile));
  } else {
    out.push(line('LinkedIn', `Unipile at ${f.unipile.url}`));
  }
  if (f.unipileProbe && !f.unipileProbe.ok) out.push(line('  PROBLEM', f.unipileProbe.detail ?? 'Unipile is not usable'));
  if (f.webhooks && 'error' in f.webhooks) out.push(line('Webhooks', `NOT registered: ${f.webhooks.error}`));
  else if (f.webhooks) out.push(line('Webhooks', `${f.webhooks.url}   (${f.webhooks.created} registered now, ${f.webhooks.existing} already there)`));
  if (f.local) {
    out.push('');
    out.push(line('Organization', f.local.organizationId));
    out.push(line('API key', `${f.local.apiKey}   (sandbox only; kept in ${f.local.credentialsFile} and printed at every start)`));
    out.push(line('Sender account', `${f.local.senderAccountId}   (sandbox account_id ${f.local.sandboxAccountId})`));
    out.push(line('Shell variables', `source ${f.local.envFile}   (sets B, KEY, ORG, ACCOUNT, SANDBOX, SANDBOX_TOKEN, SANDBOX_ACCOUNT)`));
    out.push('');
    out.push(`Try: curl -H "Authorization: Bearer ${f.local.apiKey}" ${f.apiUrl}/api/accounts`);
    out.push('A first campaign: README.md, section "A first campaign" (paste its block into a second terminal).');
  }
  out.push('Press Ctrl-C to stop.', '');
  return out.join('\n');
}
