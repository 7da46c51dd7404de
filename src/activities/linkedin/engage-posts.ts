import { listActions } from '../../linkedin/ledger';
import type { Post } from '../../linkedin/unipile.schemas';
import type { StepOutcome } from '../../domain/step-outcome';
import type { StepContext } from './context';
import { recentPosts } from './recent-posts';

/**
 * Shared by like_post and comment_post: act on up to `count` recent posts, one ledger row per post
 * (key `...:<kind>:<social_id>`), so a retry never acts twice on a post nor exceeds `count` in total.
 */
export async function engageRecentPosts(
  ctx: StepContext,
  o: {
    kind: 'reaction' | 'comment';
    count: number;
    days: number;
    eligible: (p: Post) => boolean;
    /** Is the effect on this post already there? (for reconciling an interrupted attempt) */
    isDone: (p: Post) => Promise<boolean>;
    send: (p: Post) => Promise<void>;
  },
): Promise<StepOutcome> {
  const providerId = await ctx.providerId();
  const prefix = `${ctx.key(o.kind)}:`;
  const rows = await listActions(ctx.deps.db, { keyPrefix: prefix });
  const postIdOf = (key: string) => key.slice(prefix.length);
  const done = rows.filter((r) => r.status === 'succeeded').map((r) => postIdOf(r.idempotency_key));
  const interrupted = new Set(rows.filter((r) => r.status === 'pending' || r.status === 'unknown' || r.status === 'failed').map((r) => postIdOf(r.idempotency_key)));
  const skippedBefore = new Set(rows.filter((r) => r.status === 'skipped').map((r) => postIdOf(r.idempotency_key)));

  const posts = await recentPosts(ctx, providerId, o.days);
  if (posts.length === 0 && done.length === 0) return { status: 'skipped', reason: 'no_recent_posts', detail: { providerId } };
  // Posts an earlier attempt started come first, so they are reconciled rather than replaced.
  const candidates = [
    ...posts.filter((p) => interrupted.has(p.social_id)),
    ...posts.filter((p) => !interrupted.has(p.social_id) && !done.includes(p.social_id) && !skippedBefore.has(p.social_id) && o.eligible(p)),
  ];
  const acted = [...done];
  const skipped: Array<{ postId: string; reason: string }> = [];
  for (const post of candidates) {
    if (acted.length >= o.count) break;
    ctx.heartbeat({ post: post.social_id });
    const out = await ctx.write({
      kind: o.kind,
      n: post.social_id,
      targetProviderId: providerId,
      reconcile: async () => ((await o.isDone(post)) ? { post_id: post.social_id } : null),
      send: async () => {
        await o.send(post);
        return { post_id: post.social_id };
      },
    });
    if (out.status === 'succeeded') acted.push(post.social_id);
    else skipped.push({ postId: post.social_id, reason: out.reason });
  }
  if (acted.length === 0) return { status: 'skipped', reason: skipped[0]?.reason ?? 'no_recent_posts', detail: { providerId, skipped } };
  return { status: 'done', detail: { providerId, postIds: acted, ...(skipped.length ? { skipped } : {}) } };
}
