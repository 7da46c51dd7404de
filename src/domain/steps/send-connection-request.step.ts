import { checkFits, checkTemplates } from './config-checks';
import type { StepDefinition } from './step-definition';

/** LinkedIn refuses an invitation note longer than this. */
export const CONNECTION_NOTE_LIMIT = 300;
/** Where the editor puts the optional note, in the order the sender reads them (config-checks readText). */
export const CONNECTION_NOTE_KEYS = ['message', 'customMessage'] as const;

/** Over the account's note budget (free accounts: ~5 a month): send without the note, or wait for room. */
export const NOTE_OVER_BUDGET = ['drop', 'wait'] as const;

/**
 * An invitation with an optional note. Its conditional out-edges decide the accepted / not-accepted
 * branch; the not-accepted edge's delay is the acceptance window. `noteOverBudget` ('drop', the
 * default, or 'wait') says what happens to the note once the account's note budget is spent.
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
    ...(config.noteOverBudget === undefined || config.noteOverBudget === null || (NOTE_OVER_BUDGET as readonly unknown[]).includes(config.noteOverBudget)
      ? []
      : [{ code: 'invalid_config' as const, message: `noteOverBudget must be one of ${NOTE_OVER_BUDGET.join(', ')}`, path: `${path}.noteOverBudget` }]),
  ],
};
