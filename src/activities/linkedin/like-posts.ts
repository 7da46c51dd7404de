import { configInt, type LinkedInStepDefinition } from './context';
import { engageRecentPosts } from './engage-posts';

/** like_post: react "like" to up to `numberOfPosts` (1) posts from the last `recentPostDays` (30) days, by social_id. */
export const likePostsStep: LinkedInStepDefinition = {
  kind: 'like_post',
  usesAccount: true,
  run(ctx) {
    const { unipile } = ctx.deps;
    return engageRecentPosts(ctx, {
      kind: 'reaction',
      count: configInt(ctx.input.config, 'numberOfPosts', 1),
      days: configInt(ctx.input.config, 'recentPostDays', 30),
      eligible: (p) => !p.user_reacted && p.permissions?.can_react !== false,
      isDone: async (p) => {
        const again = await unipile.users.getAllPosts({ account_id: ctx.unipileAccountId, identifier: await ctx.providerId(), limit: 20 }, ctx.call);
        return Boolean(again.items.find((x) => x.social_id === p.social_id)?.user_reacted);
      },
      send: async (p) => {
        await unipile.users.sendPostReaction({ account_id: ctx.unipileAccountId, post_id: p.social_id, reaction_type: 'like' }, ctx.call);
      },
    });
  },
};
