import { Type } from '@fastify/type-provider-typebox';
import { oneVoice, setOneVoice } from '../../services/one-voice';
import type { ApiApp, ApiDeps } from '../app';
import { organizationOf } from '../auth';
import { responses } from '../schemas/common';

const Settings = Type.Object({
  oneVoice: Type.Boolean({
    description:
      'A person is worked by one campaign of the organization at a time (the others skip them with in_another_campaign), no two campaigns invite or message the same person, and a reply to any sender stops that person in every campaign. Default true.',
  }),
});

/** Organization-wide settings of the API key's organization. */
export function registerOrganizationSettingsRoutes(app: ApiApp, deps: ApiDeps): void {
  const { db } = deps;
  const tags = ['organization'];

  app.get(
    '/api/organization/settings',
    { schema: { tags, summary: 'The organization settings', response: responses({ 200: Settings }) } },
    async (request) => ({ oneVoice: await oneVoice(db, organizationOf(request)) }),
  );

  app.patch(
    '/api/organization/settings',
    {
      schema: {
        tags,
        summary: 'Change organization settings (the fields given)',
        body: Type.Partial(Settings, { additionalProperties: false, minProperties: 1 }),
        response: responses({ 200: Settings }),
      },
    },
    async (request) => {
      const organizationId = organizationOf(request);
      if (request.body.oneVoice !== undefined) await setOneVoice(db, organizationId, request.body.oneVoice);
      return { oneVoice: await oneVoice(db, organizationId) };
    },
  );
}
