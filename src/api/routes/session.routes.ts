import { Type } from '@fastify/type-provider-typebox';
import type { ApiApp } from '../app';
import { organizationOf } from '../auth';
import { responses } from '../schemas/common';

/** Who the API key belongs to: the dashboard signs in by calling this, and needs the id to start campaigns. */
export function registerSessionRoutes(app: ApiApp): void {
  app.get(
    '/api/me',
    {
      schema: {
        tags: ['session'],
        summary: 'The organization of the API key (401 unauthorized when the key is invalid, expired or revoked)',
        response: responses({ 200: Type.Object({ organizationId: Type.String({ format: 'uuid' }) }) }),
      },
    },
    (request, reply) => reply.send({ organizationId: organizationOf(request) }),
  );
}
