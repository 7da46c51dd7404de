/**
 * Activity name → step behaviour. Adding a step kind: one new file with its LinkedInStepDefinition and
 * one entry here (the activity type name is the property name the worker registers).
 */
import type { LinkedInStepDefinition } from './context';
import { commentPostsStep } from './comment-posts';
import { likePostsStep } from './like-posts';
import { notifyWebhookStep } from './notify-webhook';
import { sendInmailStep } from './send-inmail';
import { sendInvitationStep } from './send-invitation';
import { sendMessageStep } from './send-message';
import { visitProfileStep } from './visit-profile';
import { withdrawInvitationStep } from './withdraw-invitation';

export const LINKEDIN_STEP_REGISTRY = {
  visitProfile: visitProfileStep,
  likePosts: likePostsStep,
  commentPosts: commentPostsStep,
  sendInvitation: sendInvitationStep,
  sendMessage: sendMessageStep,
  sendInmail: sendInmailStep,
  withdrawInvitation: withdrawInvitationStep,
  notifyWebhook: notifyWebhookStep,
} as const satisfies Record<string, LinkedInStepDefinition>;

export type LinkedInStepActivityName = keyof typeof LINKEDIN_STEP_REGISTRY;
