/**
 * Response shapes of the Unipile v1 routes this project uses (unipile-api.md §3-§5). Lenient on purpose:
 * only the fields we read are checked, unknown fields pass through, and "may be null" fields accept
 * null or absence. A schema that rejected a new Unipile field would stop every campaign.
 */
import { z } from 'zod';

const str = z.string();
const optStr = z.string().nullish();

export const listOf = <T extends z.ZodType>(item: T) =>
  z.looseObject({ object: optStr, items: z.array(item), cursor: z.string().nullish().transform((c) => c ?? null) });

export const UserProfileSchema = z.looseObject({
  object: optStr,
  provider: optStr,
  provider_id: str,
  public_identifier: optStr,
  first_name: optStr,
  last_name: optStr,
  headline: optStr,
  network_distance: optStr,
  is_relationship: z.boolean().nullish(),
  invitation: z.looseObject({ type: optStr, status: optStr }).nullish(),
  throttled_sections: z.unknown().optional(),
});
export type UserProfile = z.infer<typeof UserProfileSchema>;

export const OwnProfileSchema = z.looseObject({ object: optStr, provider_id: str, public_identifier: optStr, first_name: optStr, last_name: optStr });
export type OwnProfile = z.infer<typeof OwnProfileSchema>;

export const PostSchema = z.looseObject({
  id: z.union([str, z.number()]).transform(String),
  social_id: str,
  text: optStr,
  date: optStr,
  parsed_datetime: optStr,
  share_url: optStr,
  user_reacted: z.union([str, z.boolean()]).nullish(),
  is_repost: z.boolean().nullish(),
  permissions: z.looseObject({ can_react: z.boolean().nullish(), can_post_comments: z.boolean().nullish() }).nullish(),
});
export type Post = z.infer<typeof PostSchema>;
export const PostListSchema = listOf(PostSchema);

export const CommentSchema = z.looseObject({ id: z.union([str, z.number()]).transform(String), text: optStr, author: z.unknown().optional() });
export type PostComment = z.infer<typeof CommentSchema>;
export const CommentListSchema = listOf(CommentSchema);

export const InvitationSentResponseSchema = z.looseObject({ object: optStr, invitation_id: str, usage: z.number().nullish() });
export type InvitationSentResponse = z.infer<typeof InvitationSentResponseSchema>;

export const InvitationSchema = z.looseObject({
  id: str,
  invited_user: optStr,
  invited_user_id: optStr,
  invited_user_public_id: optStr,
  invitation_text: optStr,
  date: optStr,
  parsed_datetime: optStr,
});
export type Invitation = z.infer<typeof InvitationSchema>;
export const InvitationListSchema = listOf(InvitationSchema);

export const RelationSchema = z.looseObject({
  first_name: optStr,
  last_name: optStr,
  public_identifier: optStr,
  member_id: optStr,
  created_at: z.number().nullish(),
});
export type Relation = z.infer<typeof RelationSchema>;
export const RelationListSchema = listOf(RelationSchema);

export const ObjectOnlySchema = z.looseObject({ object: optStr });

/** `GET /linkedin/inmail_balance`: credits per product; null where the account has none of that product. */
export const InmailBalanceSchema = z.looseObject({ object: optStr, premium: z.number().nullish(), recruiter: z.number().nullish(), sales_navigator: z.number().nullish() });
export type InmailBalanceResponse = z.infer<typeof InmailBalanceSchema>;

export const ChatStartedSchema = z.looseObject({ object: optStr, chat_id: optStr, message_id: optStr });
export type ChatStarted = z.infer<typeof ChatStartedSchema>;
export const MessageSentSchema = z.looseObject({ object: optStr, message_id: optStr });
export type MessageSent = z.infer<typeof MessageSentSchema>;

export const ChatSchema = z.looseObject({
  id: str,
  account_id: optStr,
  provider_id: optStr,
  attendee_provider_id: optStr,
  name: optStr,
  type: z.number().nullish(),
  timestamp: optStr,
  subject: optStr,
  content_type: optStr,
});
export type Chat = z.infer<typeof ChatSchema>;
export const ChatListSchema = listOf(ChatSchema);

export const MessageSchema = z.looseObject({
  id: str,
  chat_id: optStr,
  sender_id: optStr,
  text: optStr,
  timestamp: optStr,
  is_sender: z.union([z.number(), z.boolean()]).nullish(),
});
export type Message = z.infer<typeof MessageSchema>;
export const MessageListSchema = listOf(MessageSchema);

export const AccountSchema = z.looseObject({
  object: optStr,
  id: str,
  name: optStr,
  type: optStr,
  created_at: optStr,
  connection_params: z
    .looseObject({ im: z.looseObject({ id: optStr, username: optStr, premiumContractId: optStr, premiumFeatures: z.array(z.string()).nullish() }).nullish() })
    .nullish(),
  sources: z.array(z.looseObject({ id: optStr, status: str })).nullish(),
});
export type Account = z.infer<typeof AccountSchema>;
export const AccountListSchema = listOf(AccountSchema);

/** `POST /hosted/accounts/link`: the hosted auth wizard's URL (§4.1). */
export const HostedAuthUrlSchema = z.looseObject({ object: optStr, url: str });

export const WebhookSchema = z
  .looseObject({
  id: optStr,
  // [?] whether the list names it `id` or `webhook_id`: accept both.
  webhook_id: optStr,
  request_url: optStr,
  source: optStr,
  name: optStr,
  headers: z.array(z.looseObject({ key: str, value: str })).nullish(),
})
  .transform((w) => ({ ...w, id: w.id ?? w.webhook_id ?? '' }));
export type Webhook = z.infer<typeof WebhookSchema>;
export const WebhookListSchema = listOf(WebhookSchema);
export const WebhookCreatedSchema = z.looseObject({ object: optStr, webhook_id: str });

/** A page of any list route. */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}
