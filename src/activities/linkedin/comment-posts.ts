import { configInt, configText, StepConfigurationError, type LinkedInStepDefinition } from './context';
import { engageRecentPosts } from './engage-posts';

/** comment_post: comment the rendered `customComment` on up to `postCount` (1) posts within `recentPostWithin` (30) days. */
export const commentPostsStep: LinkedInStepDefinition = {
  kind: 'comment_post',
  usesAccount: true,
  async run(ctx) {
    const { unipile } = ctx.deps;
    const template = configText(ctx.input.config, ['customComment']);
    if (!template) throw new StepConfigurationError('comment_post needs customComment (AI-written comments are not supported here)');
    const text = await ctx.render(template);
    if (text.length > 1250) throw new StepConfigurationError(`the rendered comment has ${text.length} characters; LinkedIn allows 1250`);
    return engageRecentPosts(ctx, {
      kind: 'comment',
      count: configInt(ctx.input.config, 'postCount', 1),
      days: configInt(ctx.input.config, 'recentPostWithin', 30),
      eligible: (p) => p.permissions?.can_post_comments !== false,
      isDone: async (p) => {
        const comments = await unipile.users.getAllPostComments({ account_id: ctx.unipileAccountId, post_id: p.social_id, limit: 100 }, ctx.call);
        return comments.items.some((c) => c.text === text);
      },
      send: async (p) => {
        await unipile.users.sendPostComment({ account_id: ctx.unipileAccountId, post_id: p.social_id, text }, ctx.call);
      },
    });
  },
};
