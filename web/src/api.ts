import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './api-types';

/**
 * The typed client of the product's own API (types generated from its OpenAPI document by
 * scripts/web.sh). The API key lives in sessionStorage only: closing the tab or signing out forgets it.
 */

const KEY = 'clento.apiKey';

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}
export function setApiKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}
export function signOut(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem('clento.organizationId');
}

let onUnauthorized: () => void = () => undefined;
/** Called when the API answers 401: the key expired or was revoked. */
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

const auth: Middleware = {
  onRequest({ request }) {
    const key = apiKey();
    if (key) request.headers.set('authorization', `Bearer ${key}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) {
      signOut();
      onUnauthorized();
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

export type Schemas = components['schemas'];
export type Campaign = paths['/api/campaigns/{id}']['get']['responses'][200]['content']['application/json'];
export type Forecast = paths['/api/campaigns/{id}/forecast']['get']['responses'][200]['content']['application/json'];
export type Analytics = paths['/api/campaigns/{id}/analytics']['get']['responses'][200]['content']['application/json'];
export type Account = paths['/api/accounts']['get']['responses'][200]['content']['application/json']['items'][number];
export type Execution = paths['/api/campaigns/{id}/executions']['get']['responses'][200]['content']['application/json']['items'][number];
export type ExecutionDetail = paths['/api/campaigns/{id}/executions/{leadId}']['get']['responses'][200]['content']['application/json'];
export type Usage = paths['/api/accounts/{id}/usage']['get']['responses'][200]['content']['application/json'];
export type Settings = paths['/api/accounts/{id}/settings']['get']['responses'][200]['content']['application/json'];
export type Activity = paths['/api/accounts/{id}/activity']['get']['responses'][200]['content']['application/json'];
export type ImportReport = paths['/api/lead-lists/{id}/leads']['post']['responses'][200]['content']['application/json'];
export type ExecutionStatus = NonNullable<NonNullable<paths['/api/campaigns/{id}/executions']['get']['parameters']['query']>['status']>;
export type WaitReason = NonNullable<NonNullable<paths['/api/campaigns/{id}/executions']['get']['parameters']['query']>['waitReason']>;

/** The API's error body `{ error: { code, message, details? } }`. */
export interface ApiError {
  error: { code: string; message: string; details?: unknown };
}

/** A failed call, carrying the API's error body. */
export class ApiFailure extends Error {
  constructor(readonly body: ApiError) {
    super(body.error.message);
  }
}

export function errorMessage(err: unknown, fallback = 'Something went wrong'): string {
  const body = (err instanceof ApiFailure ? err.body : err) as Partial<ApiError> | undefined;
  return body?.error?.message ?? fallback;
}

/** Throws the error body so callers handle failure in one place. */
export async function unwrap<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await p;
  if (error !== undefined || data === undefined) {
    throw new ApiFailure((error as ApiError | undefined) ?? { error: { code: `http_${response.status}`, message: response.statusText || 'The API could not be reached' } });
  }
  return data;
}
