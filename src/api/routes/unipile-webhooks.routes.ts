import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';
import { UnauthorizedError } from '../../errors';
import { responses } from '../schemas/common';
import type { UnipileWebhookService } from '../../services/unipile-webhooks';

/** Unipile sends back the headers registered with the webhook; ours is `Unipile-Auth: <secret>`. */
export const WEBHOOK_SECRET_HEADER = 'unipile-auth';

function sameSecret(given: string, expected: string): boolean {
  // Hash both so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function unipileWebhookRoutes(app: FastifyInstance, deps: { webhooks: UnipileWebhookService; secret: string | undefined }): void {
  app.register((scope, _opts, done) => {
    // The body is JSON whatever the Content-Type says: webhooks created through Unipile's API come as
    // text/plain, some Unipile-compatible servers repeat the header ("application/json, application/json")
    // or send none. The secret header authenticates the call, not the content type; the app's JSON
    // parser (depth limit, prototype-poisoning checks) reads the body.
    scope.addHook('onRequest', (request, _reply, next) => {
      request.raw.headers['content-type'] = 'application/json';
      next();
    });
    scope.post(
      '/api/webhooks/unipile',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Unipile webhook receiver (new_relation, message_received, AccountStatus)',
          headers: { type: 'object', properties: { [WEBHOOK_SECRET_HEADER]: { type: 'string' } } },
          body: { type: 'object' },
          response: responses(
            {
              200: Type.Object({
                received: Type.Boolean(),
                duplicate: Type.Boolean({ description: 'The same event was received before' }),
              }),
            },
            413,
          ),
        },
      },
      async (request, reply) => {
        const given = request.headers[WEBHOOK_SECRET_HEADER];
        if (!deps.secret || typeof given !== 'string' || !sameSecret(given, deps.secret)) {
          throw new UnauthorizedError('invalid_webhook_secret', 'missing or wrong webhook secret');
        }
        const { id, duplicate } = await deps.webhooks.receive(request.body);
        // Answer at once (Unipile wants 200 within 30 s); the effect is applied right after, idempotently.
        if (!duplicate) setImmediate(() => void deps.webhooks.process(id));
        return reply.code(200).send({ received: true, duplicate });
      },
    );
    done();
  });
}
