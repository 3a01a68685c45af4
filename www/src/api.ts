// The demo backend's HTTP API (www/server): cookie session + X-CSRF-TOKEN, like a Laravel app.
import { withSocketId } from 'echo-wasm';
import { echo, echoIsConfigured } from 'echo-wasm/vue';
import type { PublicConfig, User } from './types';

let csrfToken = '';

/** Puts the session's CSRF token where Echo (and our fetches) read it. */
export function setCsrfToken(token: string) {
  csrfToken = token;
  document.querySelector('meta[name="csrf-token"]')?.setAttribute('content', token);
}

export class ApiError extends Error {
  constructor(public status: number, message: string) { super(message); }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      'X-CSRF-TOKEN': csrfToken,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  // X-Socket-ID, as Echo's axios interceptor would add (for ->toOthers()).
  if (echoIsConfigured()) init = withSocketId(echo(), init);
  const res = await fetch(path, init);
  const text = await res.text();
  let data: any = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, data?.message ?? `HTTP ${res.status}`);
  return data as T;
}

export const getConfig = () => api<PublicConfig>('GET', '/api/config');

/** `?share=1` in the page's URL: `shareConnection: true`. */
export const sharingWanted = () => new URLSearchParams(window.location.search).get('share') === '1';

/** The page's URL with sharing turned on or off (the drawer's toggle reloads to it). */
export function sharingUrl(on: boolean): string {
  const url = new URL(window.location.href);
  if (on) url.searchParams.set('share', '1');
  else url.searchParams.delete('share');
  return url.toString();
}

/** Open WebSocket connections as the server counts them (Sockudo's gauge), or null. */
export async function serverConnections(): Promise<number | null> {
  try {
    return (await api<{ connections: number }>('GET', '/api/server-connections')).connections;
  } catch {
    return null;
  }
}

/** The current cookie session, or null when nobody is signed in. */
export async function getSession(): Promise<{ user: User; csrf_token: string } | null> {
  const session = await api<{ user: User | null; csrf_token: string | null }>('GET', '/api/session');
  return session.user && session.csrf_token ? { user: session.user, csrf_token: session.csrf_token } : null;
}

export const login = (userId: number) => api<{ user: User; csrf_token: string }>('POST', '/login', { user_id: userId });
export const logout = () => api('POST', '/logout');
