import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import { fetchMe, onSessionLost } from './api';
import { canUse } from './nav';
import { currentUser, setCurrentUser } from './session';

declare module 'vue-router' {
  interface RouteMeta {
    requiresAuth?: boolean;
    /** Set by the guard: the signed-in role can't use this page (App.vue shows that instead of it). */
    notAvailable?: boolean;
    /** Wall display: no nav, no controls, never a login prompt (a 401 shows a notice instead). */
    kiosk?: boolean;
  }
}

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/', redirect: '/live' },
    { path: '/login', name: 'login', component: () => import('./features/account/LoginPage.vue') },
    {
      path: '/live',
      name: 'live',
      component: () => import('./features/live/LivePage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/track',
      name: 'track',
      component: () => import('./features/track/TrackPage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/complaints',
      name: 'complaints',
      component: () => import('./features/complaints/ComplaintsPage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/claims',
      name: 'claims',
      component: () => import('./features/claims/ClaimsPage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/finance',
      name: 'finance',
      component: () => import('./features/finance/FinancePage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/alerts',
      name: 'alerts',
      component: () => import('./features/alerts/AlertsPage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/handover',
      name: 'handover',
      component: () => import('./features/handover/HandoverPage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/sla',
      name: 'sla',
      component: () => import('./features/sla/SlaPage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/people',
      name: 'people',
      component: () => import('./features/people/PeoplePage.vue'),
      meta: { requiresAuth: true },
    },
    {
      path: '/password',
      name: 'password',
      component: () => import('./features/account/PasswordPage.vue'),
      meta: { requiresAuth: true },
    },
    {
      // No requiresAuth: an enrolled display has no user session; the page handles 401 itself.
      path: '/wall',
      name: 'wall',
      component: () => import('./features/wall/WallPage.vue'),
      meta: { kiosk: true },
    },
    { path: '/:pathMatch(.*)*', redirect: '/live' },
  ],
});

export function loginRedirect(to: Pick<RouteLocationNormalized, 'fullPath'>) {
  return { path: '/login', query: { next: to.fullPath } };
}

// A 401 on any call of a protected page (the session expired or was ended): sign in
// again and come back. The login page has nothing to lose; the wall (kiosk, no
// requiresAuth) shows its own notice.
onSessionLost(() => {
  const here = router.currentRoute.value;
  if (!here.meta.requiresAuth) return;
  setCurrentUser(null);
  void router.replace(loginRedirect(here));
});

// Every navigation to a protected page asks the server who we are: a 401 sends the
// user to /login?next=<where they wanted to go>. Other failures (server down, 5xx)
// let the page load; it shows the offline state and keeps retrying on its own.
router.beforeEach(async (to) => {
  if (!to.meta.requiresAuth) return true;
  try {
    const user = await fetchMe();
    if (!user) {
      setCurrentUser(null);
      return loginRedirect(to);
    }
    setCurrentUser(user);
  } catch {
    // Keep the last known user (if any); the live channel handles a lost session (4401).
  }
  // A reset password: nothing but choosing a new one (the server refuses the rest anyway).
  if (currentUser.value?.mustChangePassword && to.path !== '/password') return { path: '/password' };
  // A page the role can't use is not loaded: the nav table (nav.ts) says so, App.vue shows why.
  const role = currentUser.value?.role;
  to.meta.notAvailable = role !== undefined && !canUse(to.path, role);
  return true;
});
