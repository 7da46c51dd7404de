import { paginate } from '../../linkedin/unipile.client';
import type { Post } from '../../linkedin/unipile.schemas';
import type { StepContext } from './context';

const DAY_MS = 86_400_000;

/** The lead's own posts from the last `days` days, newest first (a few pages at most: reads count too). */
export async function recentPosts(ctx: StepContext, providerId: string, days: number, now = Date.now()): Promise<Post[]> {
  const cutoff = now - days * DAY_MS;
  const out: Post[] = [];
  const pages = paginate((cursor) => ctx.deps.unipile.users.getAllPosts({ account_id: ctx.unipileAccountId, identifier: providerId, limit: 20, cursor }, ctx.call), { maxPages: 3 });
  for await (const post of pages) {
    ctx.heartbeat();
    const at = post.parsed_datetime ? Date.parse(post.parsed_datetime) : NaN;
    if (Number.isNaN(at)) continue;
    if (at < cutoff) break; // newest first: the rest is older
    if (post.is_repost) continue;
    out.push(post);
  }
  return out;
}
