import { checkTemplates, requireText } from './config-checks';
import type { StepDefinition } from './step-definition';

/** An InMail to a non-connection: `message` required, `subject` optional; both templates. */
export const sendInmailStep: StepDefinition<'send_inmail'> = {
  kind: 'send_inmail',
  aliases: [],
  defaultLabel: 'Send InMail',
  activityType: 'sendInmail',
  quotaKind: 'inmail',
  decidesAcceptanceBranch: false,
  validateConfig: (config, path) => [
    ...requireText(config, ['message', 'customMessage'], path, 'the InMail message'),
    ...checkTemplates(config, ['subject', 'message', 'customMessage'], path),
  ],
};
