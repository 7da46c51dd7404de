import { Type, type TSchema } from '@fastify/type-provider-typebox';

/** Shapes shared by every route: the error body, ids, pagination. */

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, see docs/errors.md' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody', description: 'Every error answer has this shape' },
);

export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
    cursor: Type.Optional(Type.String({ format: 'uuid', description: 'nextCursor from the previous page' })),
  },
  { additionalProperties: false },
);

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Uuid, Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page',
    }),
  });
}

/** The error body, by reference (registered once by buildApp). */
export const ErrorRef = Type.Ref('ErrorBody');
const ref = ErrorRef;

/** Response map: the success schema(s) plus the error statuses every /api route can answer. */
export function responses<T extends Record<number, TSchema>>(ok: T, ...extraErrorStatuses: number[]) {
  const errors: Record<number, typeof ref> = {};
  // 429: the rate limit applies to every /api route (src/api/rate-limit.ts).
  for (const status of [400, 401, 429, 500, ...extraErrorStatuses]) errors[status] = ref;
  return { ...errors, ...ok };
}

/** The page a query asks for, with the default size filled in. */
export function pageOf<Q extends { limit?: number }>(query: Q): Q & { limit: number } {
  return { ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE };
}

/** Repositories fetch limit + 1 rows: the extra one only says whether another page exists. */
export function toPage<R extends { id: string }, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: rows.length > limit && last ? last.id : null };
}

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);
