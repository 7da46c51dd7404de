import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { UnauthorizedError } from '../../errors';
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
    // Webhooks created through Unipile's API come without a JSON content type unless told otherwise.
    scope.addContentTypeParser(['text/plain', 'application/x-www-form-urlencoded'], { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        const err = new Error('body is not valid JSON') as Error & { statusCode: number; code: string };
        err.statusCode = 400;
        err.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
        done(err);
      }
    });
    scope.post(
      '/api/webhooks/unipile',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Unipile webhook receiver (new_relation, message_received, AccountStatus)',
          headers: { type: 'object', properties: { [WEBHOOK_SECRET_HEADER]: { type: 'string' } } },
          body: { type: 'object' },
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
