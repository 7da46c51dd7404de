import { Type, type Static } from '@fastify/type-provider-typebox';
import * as accounts from '../../db/repositories/connected-account.repository';
import { ACCOUNT_STATUSES, type ConnectedAccount } from '../../db/schema';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
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

/** Connected LinkedIn accounts (senders). */
export function registerAccountRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['accounts'];

  app.post(
    '/api/accounts',
    {
      schema: {
        tags,
        summary: 'Register a connected LinkedIn account',
        body: CreateAccount,
        response: responses({ 201: Account }, 409),
      },
    },
    async (request, reply) => {
      const organizationId = organizationOf(request);
      const row = await accounts.insertAccount(db, { organizationId, ...request.body });
      if (!row)
        throw apiError(
          'account_already_exists',
          `account ${request.body.providerAccountId} is already connected to this organization`,
        );
      return reply.status(201).send(toAccountJson(row));
    },
  );

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
