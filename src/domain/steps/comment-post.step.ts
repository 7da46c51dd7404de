import { checkPositiveInt, checkTemplates, requireText } from './config-checks';
import { MAX_POSTS_PER_STEP } from './like-post.step';
import type { StepDefinition } from './step-definition';

/** Comment `customComment` (a template) on up to `postCount` posts from the last `recentPostWithin` days. */
export const commentPostStep: StepDefinition<'comment_post'> = {
  kind: 'comment_post',
  aliases: [],
  defaultLabel: 'Comment on Post',
  activityType: 'commentPosts',
  quotaKind: 'comment',
  decidesAcceptanceBranch: false,
  validateConfig: (config, path) => [
    // With useAI the comment is written per post, so there is no text to require.
    ...(config.useAI === true ? [] : requireText(config, ['customComment'], path, 'the comment text')),
    ...checkTemplates(config, ['customComment'], path),
    ...checkPositiveInt(config, 'postCount', path, MAX_POSTS_PER_STEP),
    ...checkPositiveInt(config, 'recentPostWithin', path),
  ],
};
