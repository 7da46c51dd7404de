import { checkFits, checkTemplates } from './config-checks';
import type { StepDefinition } from './step-definition';

/** LinkedIn refuses an invitation note longer than this. */
export const CONNECTION_NOTE_LIMIT = 300;
/** Where the editor puts the optional note, in the order the sender reads them (config-checks readText). */
export const CONNECTION_NOTE_KEYS = ['message', 'customMessage'] as const;

/**
 * An invitation with an optional note. Its conditional out-edges decide the accepted / not-accepted
 * branch; the not-accepted edge's delay is the acceptance window.
 */
export const sendConnectionRequestStep: StepDefinition<'send_connection_request'> = {
  kind: 'send_connection_request',
  aliases: ['send_invite', 'send_invitation'],
  defaultLabel: 'Connection Request',
  activityType: 'sendInvitation',
  quotaKind: 'invitation',
  decidesAcceptanceBranch: true,
  validateConfig: (config, path) => [
    ...checkTemplates(config, CONNECTION_NOTE_KEYS, path),
    ...checkFits(config, CONNECTION_NOTE_KEYS, CONNECTION_NOTE_LIMIT, path, 'note_too_long', 'the connection note'),
  ],
};
