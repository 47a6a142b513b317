// People's accounts (admin) and one's own password: API calls and the roles' labels. Pure module: no DOM.
import { postJson, request, invalidResponse } from './api';

export const ROLES = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'finance'] as const;
export type PersonRole = (typeof ROLES)[number];

export interface Person {
  username: string;
  displayName: string;
  role: PersonRole;
  hubCode: string | null;
  disabled: boolean;
  mustChangePassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

function isPerson(v: unknown): v is Person {
  const p = v as Partial<Person> | null;
  return !!p && typeof p.username === 'string' && typeof p.displayName === 'string' && typeof p.role === 'string' && typeof p.disabled === 'boolean';
}

export async function listPeople(): Promise<Person[]> {
  const body = (await request('/api/v1/admin/users')) as { users?: unknown };
  if (!Array.isArray(body?.users) || !body.users.every(isPerson)) throw invalidResponse('/admin/users');
  return body.users;
}

export async function createPerson(p: { username: string; displayName: string; role: PersonRole; hubCode: string | null }): Promise<{ user: Person; oneTimePassword: string }> {
  return (await postJson('/api/v1/admin/users', p)) as { user: Person; oneTimePassword: string };
}

/** A new role and/or hub (null: all hubs); a change ends their sessions. */
export async function updatePerson(username: string, change: { role?: PersonRole; hubCode?: string | null; displayName?: string }): Promise<{ user: Person; sessionsEnded: number }> {
  return (await request(`/api/v1/admin/users/${encodeURIComponent(username)}`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(change),
  })) as { user: Person; sessionsEnded: number };
}

export async function resetPerson(username: string): Promise<{ user: Person; oneTimePassword: string }> {
  return (await postJson(`/api/v1/admin/users/${encodeURIComponent(username)}/reset-password`)) as { user: Person; oneTimePassword: string };
}

export async function setPersonDisabled(username: string, disabled: boolean): Promise<void> {
  await postJson(`/api/v1/admin/users/${encodeURIComponent(username)}/${disabled ? 'disable' : 'enable'}`);
}

export async function changeOwnPassword(currentPassword: string, newPassword: string): Promise<void> {
  await postJson('/api/v1/auth/password', { currentPassword, newPassword });
}

export const MIN_PASSWORD_LENGTH = 10;
