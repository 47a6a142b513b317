// Thin fetch wrappers for the REST API. Same-origin; the session is an HttpOnly cookie.

import type * as z from 'zod/mini';
import { userEnvelope } from '../../contract/auth.ts';
import { kpiSnapshot } from '../../contract/kpi.ts';
import { parseApiError, type KpiSnapshot, type User } from './contract';
import { errorText, fieldProblems } from './errors';

/**
 * A failed call. `message` is what a person reads: a known code in the current
 * language, naming the fields at fault (web/src/errors.ts); `serverMessage` is the
 * server's own English, kept for logs and for codes the web does not know.
 */
export class ApiError extends Error {
  readonly status: number;
  /** Server error code from `{ error: { code } }`, or a client-side code. */
  readonly code: string;
  readonly serverMessage: string;
  /** The server's details: for a 400, the fields at fault ({ field, message, issue, limit }). */
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(errorText(code, message, details));
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.serverMessage = message;
    this.details = details;
  }

  /** The fields at fault, as the server named them (for marking inputs). */
  get fields(): string[] {
    return fieldProblems(this.details).map((f) => f.field);
  }
}

async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

type RequestOptions = Omit<RequestInit, 'headers'> & {
  headers?: Record<string, string>;
  /** The caller handles a 401 itself (who-am-I, signing in): the session-lost handler is not called. */
  own401?: boolean;
};

let sessionLost: () => void = () => undefined;

/**
 * What any call does when the server answers 401 (the session expired, was ended or
 * revoked): router.ts sends the person to /login?next=<where they were>. The call still
 * fails with ApiError(401); a page tells it apart with isSessionLost and shows no error.
 */
export function onSessionLost(handler: () => void): void {
  sessionLost = handler;
}

/** The call failed because the session is gone (the API helper has already sent the person to sign in). */
export function isSessionLost(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

/** One call to the API; non-2xx answers become an ApiError with the server's code and message. */
export async function request(path: string, init: RequestOptions = {}): Promise<unknown> {
  const { own401, ...fetchInit } = init;
  let res: Response;
  try {
    res = await fetch(path, {
      credentials: 'same-origin',
      ...fetchInit,
      headers: { Accept: 'application/json', ...init.headers },
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : 'network error');
  }
  if (res.status === 204) return null;
  const body = await readJson(res);
  if (!res.ok) {
    if (res.status === 401 && !own401) sessionLost();
    const err = parseApiError(body);
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText, err?.details);
  }
  return body;
}

export function postJson(path: string, body: unknown = {}): Promise<unknown> {
  return request(path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
}

function invalidResponse(what: string): ApiError {
  return new ApiError(502, 'invalid_response', `Unexpected ${what} response from server`);
}

/**
 * One call whose 2xx answer must fit its wire schema (contract/, the one the server
 * checks its own answers against); an answer outside it is an ApiError 502
 * invalid_response naming the path.
 */
export async function requestAs<S extends z.ZodMiniType>(
  schema: S,
  path: string,
  init: RequestOptions = {},
): Promise<z.output<S>> {
  const r = schema.safeParse(await request(path, init));
  if (!r.success) throw invalidResponse(path.split('?')[0] ?? path);
  return r.data;
}

/** POST a JSON body; the answer must fit `schema` (see requestAs). */
export function postAs<S extends z.ZodMiniType>(schema: S, path: string, body: unknown = {}): Promise<z.output<S>> {
  return requestAs(schema, path, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
}

/** The signed-in user, or null when the session is missing/expired (401). */
export async function fetchMe(): Promise<User | null> {
  try {
    return (await requestAs(userEnvelope, '/api/v1/auth/me', { own401: true })).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export async function login(username: string, password: string): Promise<User> {
  const answer = await requestAs(userEnvelope, '/api/v1/auth/login', {
    method: 'POST',
    body: JSON.stringify({ username, password }),
    headers: { 'Content-Type': 'application/json' },
    own401: true,
  });
  return answer.user;
}

export async function logout(): Promise<void> {
  await postJson('/api/v1/auth/logout');
}

export function fetchKpis(): Promise<KpiSnapshot> {
  return requestAs(kpiSnapshot, '/api/v1/kpis');
}
