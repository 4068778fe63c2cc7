import type { ErrorReply } from '../../../../protocol/rest.js';

/** A REST call the cloud refused (or that never reached it: status 0, code NETWORK). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorReply(body: unknown): body is ErrorReply {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

/** Turns a non-2xx answer into an ApiError carrying the protocol's error code and message. */
export async function apiErrorOf(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null);
  if (isErrorReply(body)) return new ApiError(res.status, body.error.code, body.error.message);
  return new ApiError(res.status, res.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL', `HTTP ${res.status}`);
}

/** Where authenticated calls get their bearer token (see SessionManager). */
export interface Authenticator {
  /** A token to send now (renewed first when it is about to expire). @throws ApiError when signed out */
  accessToken(): Promise<string>;
  /** After a 401 for `refused`: a token to retry with once, or null when the session is over. */
  tokenRefused(refused: string): Promise<string | null>;
  /** The cloud refused even a fresh token: sign out. */
  expire(): void;
}

/** REST access as the signed-in user. */
export interface ApiClient {
  /**
   * GET a JSON resource. The type parameter is trusted, not checked: every response of the cloud
   * passes its TypeBox response schema on the way out, and the viewer only talks to its own origin.
   */
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
  patch<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  put<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  /** POST a multipart form (file uploads); the browser sets the boundary. */
  upload<T>(path: string, form: FormData, signal?: AbortSignal): Promise<T>;
  /** GET a file (snapshot, clip, attachment) as a Blob; bearer auth rules out a plain <img src>. */
  blob(path: string, signal?: AbortSignal): Promise<Blob>;
}

/**
 * @param auth the session's tokens, or null for anonymous calls. A 401 is retried once with a renewed
 *   token; a second 401 signs the session out.
 */
export function createApiClient(auth: Authenticator | null, fetchFn: (input: string, init: RequestInit) => Promise<Response> = (i, init) => fetch(i, init)): ApiClient {
  async function attempt(path: string, init: RequestInit, token: string | null): Promise<Response> {
    const headers = new Headers(init.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    try {
      return await fetchFn(path, { ...init, headers });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
    }
  }
  async function send(path: string, init: RequestInit): Promise<Response> {
    const token = auth ? await auth.accessToken() : null;
    let res = await attempt(path, init, token);
    if (res.status === 401 && auth && token !== null) {
      const fresh = await auth.tokenRefused(token);
      if (fresh !== null) {
        res = await attempt(path, init, fresh);
        if (res.status === 401) auth.expire();
      }
    }
    if (res.ok) return res;
    throw await apiErrorOf(res);
  }
  async function json<T>(res: Response): Promise<T> {
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
  const withBody = (method: string, body: unknown, signal: AbortSignal | undefined): RequestInit => {
    const init: RequestInit = { method, signal: signal ?? null };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    return init;
  };
  return {
    async get<T>(path: string, signal?: AbortSignal): Promise<T> {
      return json<T>(await send(path, { signal: signal ?? null }));
    },
    async post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
      return json<T>(await send(path, withBody('POST', body, signal)));
    },
    async patch<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
      return json<T>(await send(path, withBody('PATCH', body, signal)));
    },
    async put<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
      return json<T>(await send(path, withBody('PUT', body, signal)));
    },
    async upload<T>(path: string, form: FormData, signal?: AbortSignal): Promise<T> {
      return json<T>(await send(path, { method: 'POST', body: form, signal: signal ?? null }));
    },
    async blob(path: string, signal?: AbortSignal): Promise<Blob> {
      // no-cache: revalidate with the ETag (the snapshot of an event can change with later phases).
      return (await send(path, { signal: signal ?? null, cache: 'no-cache' })).blob();
    },
  };
}
