import { checkPositiveInt } from './config-checks';
import type { StepDefinition } from './step-definition';

/** Most posts one step may react to: more looks automated. */
export const MAX_POSTS_PER_STEP = 10;

/** React to up to `numberOfPosts` of the lead's posts from the last `recentPostDays` days. */
export const likePostStep: StepDefinition<'like_post'> = {
  kind: 'like_post',
  aliases: [],
  defaultLabel: 'Like Post',
  activityType: 'likePosts',
  quotaKind: 'reaction',
  decidesAcceptanceBranch: false,
  validateConfig: (config, path) => [
    ...checkPositiveInt(config, 'numberOfPosts', path, MAX_POSTS_PER_STEP),
    ...checkPositiveInt(config, 'recentPostDays', path),
  ],
};
