/**
 * The sandbox LinkedIn as a process: `tsx src/linkedin/sandbox/main.ts`. Port from SANDBOX_LINKEDIN_PORT
 * (default 3100); SANDBOX_LINKEDIN_TOKEN fixes the access token (otherwise a random one, printed once:
 * it is a throwaway sandbox credential, not a secret of any real service). SANDBOX_ACCEPT_AFTER_MS (ms or
 * `never`), SANDBOX_ACCEPT_PROBABILITY (0-1), SANDBOX_REPLY_AFTER_MS and SANDBOX_STATE_FILE as in README.md.
 */
import { startSandboxLinkedIn } from './server';

function delay(v: string | undefined, fallback: number | null): number | null {
  if (v === undefined || v === '') return fallback;
  if (v === 'never') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected milliseconds or "never", got "${v}"`);
  return n;
}

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const port = Number(env.SANDBOX_LINKEDIN_PORT ?? 3100);
  const acceptProbability = env.SANDBOX_ACCEPT_PROBABILITY ? Number(env.SANDBOX_ACCEPT_PROBABILITY) : 1;
  if (!(acceptProbability >= 0 && acceptProbability <= 1)) throw new Error('SANDBOX_ACCEPT_PROBABILITY must be a number from 0 to 1');
  const sandbox = await startSandboxLinkedIn({
    port,
    host: env.SANDBOX_LINKEDIN_HOST ?? '127.0.0.1',
    accessToken: env.SANDBOX_LINKEDIN_TOKEN,
    acceptAfterMs: delay(env.SANDBOX_ACCEPT_AFTER_MS, 60_000),
    acceptProbability,
    replyAfterMs: delay(env.SANDBOX_REPLY_AFTER_MS, null),
    stateFile: env.SANDBOX_STATE_FILE || undefined,
  });
  const account = sandbox.control.createAccount({ id: env.SANDBOX_ACCOUNT_ID ?? 'sandbox-account-1' });
  process.stdout.write(
    `sandbox LinkedIn (Unipile v1) listening on ${sandbox.url}\n` +
      `  UNIPILE_DSN=${sandbox.dsn}\n  UNIPILE_ACCESS_TOKEN=${sandbox.accessToken}\n  account_id=${account.id}\n` +
      `  control: ${sandbox.url}/_sandbox/{people/:id,accept,ignore,reply,connect,invitations,messages,accounts,faults,fail-next,calls,writes,deliveries,webhooks,hosted/:id/complete} (header X-API-KEY: the access token)\n` +
      `  (src/linkedin/sandbox/README.md)${env.SANDBOX_STATE_FILE ? `; state kept in ${env.SANDBOX_STATE_FILE}` : ''}\n`,
  );
  const shutdown = () => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main(process.env).catch((e: unknown) => {
  process.stderr.write(`sandbox failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
