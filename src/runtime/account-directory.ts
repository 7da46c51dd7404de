import { UnipileError } from '../linkedin/errors';
import type { UnipileClient } from '../linkedin/unipile.client';
import type { AccountDirectory } from '../services/account-ownership';

/** The API's view of Unipile accounts, over the real client (or the sandbox, which speaks the same API). */
export function unipileAccountDirectory(client: UnipileClient): AccountDirectory {
  return {
    async getAccount(accountId) {
      try {
        const a = await client.account.getOne(accountId, { timeoutMs: 10_000 });
        return { id: a.id, type: a.type ?? 'UNKNOWN', name: a.name ?? null };
      } catch (err) {
        if (err instanceof UnipileError && err.status === 404) return null;
        throw err;
      }
    },
    async createHostedLink({ name, notifyUrl, expiresAt, reconnectAccountId }) {
      const { url } = await client.hostedAuth.createLink(
        {
          type: reconnectAccountId ? 'reconnect' : 'create',
          providers: ['LINKEDIN'],
          api_url: client.baseUrl,
          expiresOn: expiresAt.toISOString(),
          notify_url: notifyUrl,
          name,
          ...(reconnectAccountId ? { reconnect_account: reconnectAccountId } : {}),
        },
        { timeoutMs: 10_000 },
      );
      return { url };
    },
  };
}
