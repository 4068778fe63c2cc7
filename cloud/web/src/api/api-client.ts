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

/** REST access as the signed-in user. */
export interface ApiClient {
  /**
   * GET a JSON resource. The type parameter is trusted, not checked: every response of the cloud
   * passes its TypeBox response schema on the way out, and the viewer only talks to its own origin.
   */
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
  /** GET a file (snapshot, clip) as a Blob; bearer auth rules out a plain <img src>. */
  blob(path: string, signal?: AbortSignal): Promise<Blob>;
}

/** Turns a non-2xx answer into an ApiError carrying the protocol's error code. */
async function failure(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null);
  if (isErrorReply(body)) return new ApiError(res.status, body.error.code, body.error.message);
  return new ApiError(res.status, res.status === 401 ? 'UNAUTHORIZED' : 'INTERNAL', `HTTP ${res.status}`);
}

/**
 * @param token the bearer token, or null for anonymous calls (login)
 * @param onUnauthorized called on any 401 of an authenticated call: the token expired or was revoked
 */
export function createApiClient(token: string | null, onUnauthorized: () => void): ApiClient {
  async function send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    let res: Response;
    try {
      res = await fetch(path, { ...init, headers });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
    }
    if (res.ok) return res;
    const error = await failure(res);
    if (res.status === 401 && token !== null) onUnauthorized();
    throw error;
  }
  return {
    async get<T>(path: string, signal?: AbortSignal): Promise<T> {
      const res = await send(path, { signal: signal ?? null });
      return (await res.json()) as T;
    },
    async post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
      const init: RequestInit = { method: 'POST', signal: signal ?? null };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      return (await (await send(path, init)).json()) as T;
    },
    async blob(path: string, signal?: AbortSignal): Promise<Blob> {
      // no-cache: revalidate with the ETag (the snapshot of an event can change with later phases).
      return (await send(path, { signal: signal ?? null, cache: 'no-cache' })).blob();
    },
  };
}
