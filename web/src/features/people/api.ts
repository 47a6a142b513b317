// People's accounts (admin) and one's own password: API calls and the roles' labels. Pure module: no DOM.
// The answers are checked against contract/admin.ts.
import * as wire from '../../../../contract/admin.ts';
import { USER_ROLES, type UserRole } from '../../../../contract/enums.ts';
import { hubList } from '../../../../contract/ingest.ts';
import { postAs, postJson, requestAs } from '../../api';

export const ROLES = USER_ROLES;
export type PersonRole = UserRole;
export type Person = wire.Account;

export async function listPeople(): Promise<Person[]> {
  return (await requestAs(wire.accountList, '/api/v1/admin/users')).users;
}

/** The hubs a person's account may be scoped to. */
export async function listHubs(): Promise<Array<{ code: string; name: string }>> {
  return (await requestAs(hubList, '/api/v1/hubs')).hubs;
}

export function createPerson(p: {
  username: string;
  displayName: string;
  role: PersonRole;
  hubCode: string | null;
}): Promise<{ user: Person; oneTimePassword: string }> {
  return postAs(wire.accountCreated, '/api/v1/admin/users', p);
}

/** A new role and/or hub (null: all hubs); a change ends their sessions. */
export function updatePerson(
  username: string,
  change: { role?: PersonRole; hubCode?: string | null; displayName?: string },
): Promise<{ user: Person; sessionsEnded: number }> {
  return requestAs(wire.accountChanged, `/api/v1/admin/users/${encodeURIComponent(username)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
}

export function resetPerson(username: string): Promise<{ user: Person; oneTimePassword: string }> {
  return postAs(wire.accountReset, `/api/v1/admin/users/${encodeURIComponent(username)}/reset-password`);
}

export async function setPersonDisabled(username: string, disabled: boolean): Promise<void> {
  await postJson(`/api/v1/admin/users/${encodeURIComponent(username)}/${disabled ? 'disable' : 'enable'}`);
}

export async function changeOwnPassword(currentPassword: string, newPassword: string): Promise<void> {
  await postJson('/api/v1/auth/password', { currentPassword, newPassword });
}

export const MIN_PASSWORD_LENGTH = 10;
