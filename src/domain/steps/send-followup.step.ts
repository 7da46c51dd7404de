import { checkTemplates, requireText } from './config-checks';
import type { StepDefinition } from './step-definition';

/** Where the editor puts the text, in the order the sender reads them (config-checks readText). */
export const MESSAGE_KEYS = ['message', 'customMessage'] as const;

/** A message to a 1st-degree connection. */
export const sendFollowupStep: StepDefinition<'send_followup'> = {
  kind: 'send_followup',
  aliases: ['send_message'],
  defaultLabel: 'Send Message',
  activityType: 'sendMessage',
  quotaKind: 'message',
  decidesAcceptanceBranch: false,
  needsEarlier: 'connection',
  validateConfig: (config, path) => [...requireText(config, MESSAGE_KEYS, path, 'the message'), ...checkTemplates(config, MESSAGE_KEYS, path)],
};
