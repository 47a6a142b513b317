// The signed-in user, shared by the router guard, the login page and the live header.

import { shallowRef } from 'vue';
import type { Router } from 'vue-router';
import type { User } from './contract';
import { logout } from './api';

export const currentUser = shallowRef<User | null>(null);

export function setCurrentUser(user: User | null): void {
  currentUser.value = user;
}

/** Ends the session on the server (leaving even when that call fails) and goes to the login page. */
export async function signOut(router: Router): Promise<void> {
  try {
    await logout();
  } catch {
    // Leave anyway: the cookie expires by itself.
  }
  setCurrentUser(null);
  await router.replace('/login');
}
