// The signed-in user, shared by the router guard, the login page and the live header.

import { shallowRef } from 'vue';
import type { User } from './contract';

export const currentUser = shallowRef<User | null>(null);

export function setCurrentUser(user: User | null): void {
  currentUser.value = user;
}
