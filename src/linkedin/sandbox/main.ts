/**
 * The sandbox LinkedIn as a process: `tsx src/linkedin/sandbox/main.ts`. Port from SANDBOX_LINKEDIN_PORT
 * (default 3100); SANDBOX_LINKEDIN_TOKEN fixes the access token (otherwise a random one, printed once:
 * it is a throwaway sandbox credential, not a secret of any real service).
 */
import { startSandboxLinkedIn } from './server';

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const port = Number(env.SANDBOX_LINKEDIN_PORT ?? 3100);
  const acceptAfterMs = env.SANDBOX_ACCEPT_AFTER_MS ? Number(env.SANDBOX_ACCEPT_AFTER_MS) : 60_000;
  const sandbox = await startSandboxLinkedIn({ port, host: env.SANDBOX_LINKEDIN_HOST ?? '127.0.0.1', accessToken: env.SANDBOX_LINKEDIN_TOKEN, acceptAfterMs });
  const account = sandbox.control.createAccount({ id: env.SANDBOX_ACCOUNT_ID ?? 'sandbox-account-1' });
  process.stdout.write(
    `sandbox LinkedIn (Unipile v1) listening on ${sandbox.url}\n` +
      `  UNIPILE_DSN=${sandbox.dsn}\n  UNIPILE_ACCESS_TOKEN=${sandbox.accessToken}\n  account_id=${account.id}\n` +
      `  control: ${sandbox.url}/_sandbox/{accounts,accept,reply,people/:id,faults,calls,writes,deliveries,hosted/:id/complete} (header X-API-KEY: the access token)\n`,
  );
  const shutdown = () => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main(process.env).catch((e: unknown) => {
  process.stderr.write(`sandbox failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
