/** The bare program's activities: the product's two Unipile calls of visit → invite, through the project's client. */
import type { UnipileClient } from '../../src/linkedin/unipile.client';

export interface BareLeadInput {
  accountId: string;
  /** The lead's public profile id (the slug of its LinkedIn URL). */
  identifier: string;
  message: string;
}

export function createBareActivities(unipile: UnipileClient) {
  return {
    async visitProfile(input: BareLeadInput): Promise<string> {
      const profile = await unipile.users.getProfile({ account_id: input.accountId, identifier: input.identifier, notify: true });
      return profile.provider_id;
    },
    async sendInvitation(input: { accountId: string; providerId: string; message: string }): Promise<string> {
      const sent = await unipile.users.sendInvitation({ account_id: input.accountId, provider_id: input.providerId, message: input.message });
      return sent.invitation_id;
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
