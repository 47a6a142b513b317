// Which pages each role may use: one table for the nav bar and the router guard.
// It mirrors the roles of the API routes each page calls (server/http/*-routes.ts);
// the server still decides, this only keeps people away from pages that would
// answer them 403. Pure module: no DOM, no Vue.

import type { MessageKey } from './i18n';

export type NavRole = 'admin' | 'manager' | 'control_room' | 'on_call' | 'cs_operator' | 'finance' | 'display';

export interface NavPage {
  path: string;
  label: MessageKey;
  roles: readonly NavRole[];
  testId: string;
}

const PEOPLE: readonly NavRole[] = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'finance'];
/** GET /api/v1/alerts (READERS in alert-routes.ts). */
const ALERT_READERS: readonly NavRole[] = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator'];
/** GET /api/v1/track (LOOKUP_ROLES in routes.ts). */
const LOOKUP_ROLES: readonly NavRole[] = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator'];
/** GET /api/v1/handover (HANDOVER_ROLES in handover-routes.ts). */
const HANDOVER_ROLES: readonly NavRole[] = ['admin', 'manager', 'control_room', 'on_call'];
/** GET /api/v1/sla/* (SLA_ROLES in sla-routes.ts). */
const SLA_ROLES: readonly NavRole[] = ['admin', 'manager'];
/** GET /api/v1/complaints (READERS in complaint-routes.ts). */
const COMPLAINT_READERS: readonly NavRole[] = ['admin', 'manager', 'cs_operator', 'on_call'];
/** GET /api/v1/claims (READERS in claim-routes.ts). */
const CLAIM_READERS: readonly NavRole[] = ['admin', 'manager', 'cs_operator', 'finance'];
/** GET /api/v1/finance/* (READERS in finance-routes.ts). */
const FINANCE_READERS: readonly NavRole[] = ['admin', 'manager', 'finance'];
/** GET /api/v1/admin/users (account-routes.ts). */
const ADMINS: readonly NavRole[] = ['admin'];
/** The wall screen: control room, its managers, and enrolled wall displays. */
const WALL_ROLES: readonly NavRole[] = ['admin', 'manager', 'control_room', 'display'];

export const NAV_PAGES: readonly NavPage[] = [
  { path: '/live', label: 'nav.live', roles: PEOPLE, testId: 'nav-live' },
  { path: '/wall', label: 'nav.wall', roles: WALL_ROLES, testId: 'nav-wall' },
  { path: '/alerts', label: 'nav.alerts', roles: ALERT_READERS, testId: 'nav-alerts' },
  { path: '/track', label: 'nav.track', roles: LOOKUP_ROLES, testId: 'nav-track' },
  { path: '/complaints', label: 'nav.complaints', roles: COMPLAINT_READERS, testId: 'nav-complaints' },
  { path: '/claims', label: 'nav.claims', roles: CLAIM_READERS, testId: 'nav-claims' },
  { path: '/finance', label: 'nav.finance', roles: FINANCE_READERS, testId: 'nav-finance' },
  { path: '/handover', label: 'nav.handover', roles: HANDOVER_ROLES, testId: 'nav-handover' },
  { path: '/sla', label: 'nav.sla', roles: SLA_ROLES, testId: 'nav-sla' },
  { path: '/people', label: 'nav.people', roles: ADMINS, testId: 'nav-people' },
  { path: '/password', label: 'nav.password', roles: PEOPLE, testId: 'nav-password' },
];

function pageOf(path: string): NavPage | undefined {
  return NAV_PAGES.find((p) => path === p.path || path.startsWith(`${p.path}/`));
}

/** Whether `role` may use the page at `path`; paths the table doesn't list are open to everyone signed in. */
export function canUse(path: string, role: string | null | undefined): boolean {
  const page = pageOf(path);
  if (!page) return true;
  return role !== null && role !== undefined && (page.roles as readonly string[]).includes(role);
}

/** The nav bar of a signed-in user, in table order; nothing before we know who it is. */
export function pagesFor(role: string | null | undefined): NavPage[] {
  if (!role) return [];
  return NAV_PAGES.filter((p) => (p.roles as readonly string[]).includes(role));
}

/** Where to send a user who lands on `/`: the first page of their nav, else the live page. */
export function homeFor(role: string | null | undefined): string {
  return pagesFor(role)[0]?.path ?? '/live';
}

/**
 * Where a waybill links for `role`: the look-up page when the role may open it, else
 * null (the waybill is then shown as plain text). Finance, for one, reads fees and
 * claims but not the look-up page (its API answers them 403).
 */
export function trackLink(
  role: string | null | undefined,
  waybill: string,
): { path: string; query: Record<string, string> } | null {
  return canUse('/track', role) ? { path: '/track', query: { q: waybill, waybill } } : null;
}
