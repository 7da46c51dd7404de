import { Type, type Static, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import * as accounts from '../../db/repositories/connected-account.repository';
import { ACCOUNT_STATUSES, type ConnectedAccount } from '../../db/schema';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { UnauthorizedError } from '../../errors';
import {
  DEFAULT_LINK_TTL_MS,
  HOSTED_AUTH_CALLBACK_PATH,
  refusalOf,
  signLinkToken,
  verifyLinkToken,
  type AccountDirectory,
  type HostedAuthSettings,
} from '../../services/account-ownership';
import { apiError, notFound } from '../error-codes';
import {
  IdParams,
  NullableString,
  PageQuery,
  Page,
  Timestamp,
  iso,
  responses,
  toPage,
  pageOf,
} from '../schemas/common';

const AccountStatus = Type.Enum(ACCOUNT_STATUSES);

const Account = Type.Object({
  id: Type.String({ format: 'uuid' }),
  provider: Type.Literal('linkedin'),
  providerAccountId: Type.String({ description: 'The Unipile account_id' }),
  displayName: NullableString,
  status: AccountStatus,
  statusReason: NullableString,
  capabilities: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const CreateAccount = Type.Object(
  {
    providerAccountId: Type.String({ minLength: 1, maxLength: 200 }),
    displayName: Type.Optional(Type.String({ maxLength: 200 })),
    capabilities: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'e.g. { "premium": true, "salesNavigator": false }',
      }),
    ),
    status: Type.Optional(AccountStatus),
  },
  { additionalProperties: false },
);

const PatchAccount = Type.Object(
  {
    displayName: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    status: Type.Optional(
      Type.Enum(ACCOUNT_STATUSES, {
        description: 'Setting `connected` again is a reconnect (clears statusReason)',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function toAccountJson(row: ConnectedAccount): Static<typeof Account> {
  return {
    id: row.id,
    provider: row.provider,
    providerAccountId: row.provider_account_id,
    displayName: row.display_name,
    status: row.status,
    statusReason: row.status_reason,
    capabilities: row.capabilities,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

const HostedLinkRequest = Type.Object(
  { reconnectAccountId: Type.Optional(Type.String({ format: 'uuid', description: 'One of our accounts, to reconnect it' })) },
  { additionalProperties: false },
);
const HostedLink = Type.Object({
  url: Type.String({ description: "Unipile's hosted auth wizard; open it to connect the account" }),
  expiresAt: Timestamp,
});
const HostedAuthCallback = Type.Object({
  status: Type.String({ description: 'CREATION_SUCCESS or RECONNECTED' }),
  account_id: Type.String({ minLength: 1, maxLength: 200 }),
  name: Type.String({ minLength: 1, maxLength: 500, description: 'The link token we set' }),
});
const HostedAuthCallbackAnswer = Type.Object({
  accountId: Type.String({ format: 'uuid' }),
  status: Type.Literal('connected'),
  created: Type.Boolean(),
});

function hostedAuthOrFail(deps: ApiDeps): { directory: AccountDirectory; hostedAuth: HostedAuthSettings } {
  if (!deps.accountDirectory || !deps.hostedAuth) {
    throw apiError('unipile_unavailable', 'hosted auth is not configured (needs Unipile, UNIPILE_WEBHOOK_SECRET and PUBLIC_BASE_URL)');
  }
  return { directory: deps.accountDirectory, hostedAuth: deps.hostedAuth };
}

/** Unipile must know the id and it must be a LinkedIn account; otherwise nothing is registered. */
async function verifyWithUnipile(deps: Pick<ApiDeps, 'accountDirectory'>, providerAccountId: string): Promise<{ name: string | null }> {
  if (!deps.accountDirectory) throw apiError('unipile_unavailable', 'no Unipile configured to verify the account with');
  let account: Awaited<ReturnType<AccountDirectory['getAccount']>>;
  try {
    account = await deps.accountDirectory.getAccount(providerAccountId);
  } catch {
    throw apiError('unipile_unavailable', 'Unipile could not be asked about this account; retry later');
  }
  const refusal = refusalOf(account);
  if (refusal || !account) throw apiError('provider_account_invalid', refusal ?? 'unknown account', { providerAccountId });
  return { name: account.name };
}

function conflictError(conflict: 'same_organization' | 'other_organization', providerAccountId: string) {
  return conflict === 'same_organization'
    ? apiError('account_already_exists', `account ${providerAccountId} is already connected to this organization`)
    : // Which organization holds it is not said: that would leak another tenant's data.
      apiError('account_taken', `account ${providerAccountId} is connected to another organization`);
}

/** Connected LinkedIn accounts (senders). */
export function registerAccountRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  /** A reconnected sender's waiting leads go on now; when Temporal cannot be told, their control poll sees it. */
  const wakeLeadsOf = async (accountId: string, log: { warn: (o: object, msg: string) => void }) => {
    await deps.resumeLeadsOfAccount?.(accountId).catch((err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not wake the account\'s waiting leads yet'));
  };
  const tags = ['accounts'];

  app.post(
    '/api/accounts',
    {
      schema: {
        tags,
        summary: 'Register a connected LinkedIn account by its Unipile id (operators and tests; organizations connect through the hosted link)',
        description:
          'The id is checked with Unipile first (it must exist and be a LinkedIn account: 422 provider_account_invalid). A Unipile account belongs to one organization: 409 account_taken when another one holds it.',
        body: CreateAccount,
        response: responses({ 201: Account }, 409, 422, 503),
      },
    },
    async (request, reply) => {
      const organizationId = organizationOf(request);
      const { providerAccountId } = request.body;
      await verifyWithUnipile(deps, providerAccountId);
      const result = await accounts.insertAccount(db, { organizationId, ...request.body });
      if ('inserted' in result) return reply.status(201).send(toAccountJson(result.inserted));
      throw conflictError(result.conflict, providerAccountId);
    },
  );

  app.post(
    '/api/accounts/hosted-link',
    {
      schema: {
        tags,
        summary: "Start connecting a LinkedIn account through Unipile's hosted auth wizard",
        description:
          'Answers the wizard URL to open. When the wizard succeeds, Unipile calls back POST /api/webhooks/unipile/hosted-auth and the account is connected to this organization. `reconnectAccountId` (one of ours) reconnects an existing account instead.',
        body: HostedLinkRequest,
        response: responses({ 201: HostedLink }, 404, 503),
      },
    },
    async (request, reply) => {
      const organizationId = organizationOf(request);
      const { directory, hostedAuth } = hostedAuthOrFail(deps);
      const baseUrl = hostedAuth.publicBaseUrl();
      if (!baseUrl) throw apiError('unipile_unavailable', 'hosted auth needs PUBLIC_BASE_URL: Unipile must be able to call this API back');
      let reconnectAccountId: string | undefined;
      if (request.body.reconnectAccountId) {
        const existing = await accounts.findAccount(db, organizationId, request.body.reconnectAccountId);
        if (!existing) throw notFound('account', request.body.reconnectAccountId);
        reconnectAccountId = existing.provider_account_id;
      }
      const expiresAt = new Date(Date.now() + (hostedAuth.linkTtlMs ?? DEFAULT_LINK_TTL_MS));
      const name = signLinkToken(hostedAuth.secret, organizationId, expiresAt);
      const notifyUrl = `${baseUrl.replace(/\/+$/, '')}${HOSTED_AUTH_CALLBACK_PATH}`;
      let link: { url: string };
      try {
        link = await directory.createHostedLink({ name, notifyUrl, expiresAt, reconnectAccountId });
      } catch (err) {
        request.log.warn({ err }, 'Unipile hosted auth link failed');
        throw apiError('unipile_unavailable', 'Unipile could not create the hosted auth link; retry later');
      }
      return reply.status(201).send({ url: link.url, expiresAt: iso(expiresAt) });
    },
  );

  // Unipile's callback, in a scope of its own: whatever content type it comes with, a JSON body is read as JSON.
  app.register((plain, _opts, done) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    // Like the webhook route: the body is JSON whatever the Content-Type says (Unipile's calls do not
    // always say so); the token in it is the proof, and the app's JSON parser (depth limit) reads it.
    scope.addHook('onRequest', (request, _reply, next) => {
      request.raw.headers['content-type'] = 'application/json';
      next();
    });
    scope.post(
      HOSTED_AUTH_CALLBACK_PATH,
      {
        schema: {
          tags: ['webhooks'],
          summary: "Unipile's hosted auth notify callback: connects the account to the organization named by the link token",
          body: HostedAuthCallback,
          response: { 200: HostedAuthCallbackAnswer, 400: { $ref: 'ErrorBody#' }, 401: { $ref: 'ErrorBody#' }, 409: { $ref: 'ErrorBody#' }, 422: { $ref: 'ErrorBody#' }, 503: { $ref: 'ErrorBody#' } },
        },
      },
      async (request) => {
        const { directory, hostedAuth } = hostedAuthOrFail(deps);
        const token = verifyLinkToken(hostedAuth.secret, request.body.name);
        if (!token.ok) {
          request.log.warn({ reason: token.reason }, 'hosted auth callback refused');
          throw new UnauthorizedError('invalid_hosted_auth_token', `the link token is ${token.reason.replace('_', ' ')}`);
        }
        const organizationId = token.organizationId;
        const providerAccountId = request.body.account_id;
        // The callback is not signed by Unipile: the account is confirmed with Unipile before it is trusted.
        const unipile = await verifyWithUnipile({ accountDirectory: directory }, providerAccountId);
        const result = await accounts.insertAccount(db, { organizationId, providerAccountId, displayName: unipile.name });
        if ('inserted' in result) return { accountId: result.inserted.id, status: 'connected' as const, created: true };
        if (result.conflict === 'same_organization' && result.existing) {
          // A reconnect, or Unipile delivering the callback again: the account is ours, it is connected now.
          await accounts.updateAccount(db, organizationId, result.existing.id, { status: 'connected' });
          await wakeLeadsOf(result.existing.id, request.log);
          return { accountId: result.existing.id, status: 'connected' as const, created: false };
        }
        throw conflictError(result.conflict, providerAccountId);
      },
    );
    done();
  });

  app.get(
    '/api/accounts',
    {
      schema: {
        tags,
        summary: 'List connected accounts',
        querystring: PageQuery,
        response: responses({ 200: Page(Account) }),
      },
    },
    async (request) => {
      const rows = await accounts.listAccounts(db, organizationOf(request), pageOf(request.query));
      return toPage(rows, pageOf(request.query).limit, toAccountJson);
    },
  );

  app.get(
    '/api/accounts/:id',
    {
      schema: {
        tags,
        summary: 'One connected account',
        params: IdParams,
        response: responses({ 200: Account }, 404),
      },
    },
    async (request) => {
      const row = await accounts.findAccount(db, organizationOf(request), request.params.id);
      if (!row) throw notFound('account', request.params.id);
      return toAccountJson(row);
    },
  );

  app.patch(
    '/api/accounts/:id',
    {
      schema: {
        tags,
        summary: 'Rename, disconnect or reconnect an account',
        params: IdParams,
        body: PatchAccount,
        response: responses({ 200: Account }, 404),
      },
    },
    async (request) => {
      const row = await accounts.updateAccount(db, organizationOf(request), request.params.id, request.body);
      if (!row) throw notFound('account', request.params.id);
      if (request.body.status === 'connected') await wakeLeadsOf(row.id, request.log);
      return toAccountJson(row);
    },
  );

  app.delete(
    '/api/accounts/:id',
    {
      schema: {
        tags,
        summary: 'Delete an account (409 account_in_use while a running campaign sends from it)',
        params: IdParams,
        response: responses({ 204: Type.Null() }, 404, 409),
      },
    },
    async (request, reply) => {
      const result = await accounts.deleteAccount(db, organizationOf(request), request.params.id);
      if (!result.deleted && result.reason === 'not_found') throw notFound('account', request.params.id);
      if (!result.deleted && result.reason === 'in_use') {
        throw apiError(
          'account_in_use',
          'a running campaign (in progress, scheduled or paused) sends from this account; stop it first',
          { campaignIds: result.campaignIds },
        );
      }
      return reply.status(204).send(null);
    },
  );
}
