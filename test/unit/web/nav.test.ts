import { describe, expect, it } from 'vitest';
import { canUse, homeFor, NAV_PAGES, pagesFor, trackLink } from '../../../web/src/nav';

const paths = (role: string | null) => pagesFor(role).map((p) => p.path);

describe('navigation by role', () => {
  it('shows each role only the pages it can use, in one order', () => {
    expect(paths('admin')).toEqual([
      '/live',
      '/wall',
      '/alerts',
      '/track',
      '/complaints',
      '/claims',
      '/finance',
      '/handover',
      '/sla',
      '/people',
      '/password',
    ]);
    expect(paths('manager')).toEqual([
      '/live',
      '/wall',
      '/alerts',
      '/track',
      '/complaints',
      '/claims',
      '/finance',
      '/handover',
      '/sla',
      '/password',
    ]);
    expect(paths('control_room')).toEqual(['/live', '/wall', '/alerts', '/track', '/handover', '/password']);
    expect(paths('on_call')).toEqual(['/live', '/alerts', '/track', '/complaints', '/handover', '/password']);
    expect(paths('cs_operator')).toEqual(['/live', '/alerts', '/track', '/complaints', '/claims', '/password']);
    expect(paths('finance')).toEqual(['/live', '/claims', '/finance', '/password']);
    expect(paths('display')).toEqual(['/wall']);
  });

  it('shows nothing before the user is known, or to a role it does not know', () => {
    expect(paths(null)).toEqual([]);
    expect(paths('integrator')).toEqual([]);
  });

  it('lets the guard refuse a page the role cannot use, and its sub-paths', () => {
    expect(canUse('/handover', 'cs_operator')).toBe(false);
    expect(canUse('/handover', 'on_call')).toBe(true);
    expect(canUse('/alerts', 'finance')).toBe(false);
    expect(canUse('/alerts/12', 'finance')).toBe(false);
    expect(canUse('/wall', 'on_call')).toBe(false);
    expect(canUse('/handover', undefined)).toBe(false);
  });

  it('does not confuse a page with another that starts alike', () => {
    expect(canUse('/handovers', 'cs_operator')).toBe(true);
    expect(canUse('/login', null)).toBe(true);
  });

  it('sends a user home to the first page of their nav', () => {
    expect(homeFor('finance')).toBe('/live');
    expect(homeFor('display')).toBe('/wall');
    expect(homeFor(null)).toBe('/live');
  });

  it('links a waybill to the look-up page only for the roles that may open it', () => {
    expect(trackLink('finance', 'PW000000000001')).toBeNull();
    expect(trackLink(null, 'PW000000000001')).toBeNull();
    for (const role of ['admin', 'manager', 'control_room', 'on_call', 'cs_operator']) {
      expect(trackLink(role, 'PW000000000001'), role).toEqual({
        path: '/track',
        query: { q: 'PW000000000001', waybill: 'PW000000000001' },
      });
    }
  });

  it('has one label and one test id per page', () => {
    expect(new Set(NAV_PAGES.map((p) => p.label)).size).toBe(NAV_PAGES.length);
    expect(new Set(NAV_PAGES.map((p) => p.testId)).size).toBe(NAV_PAGES.length);
  });
});

// The nav promises what the server grants: each page's roles are exactly the roles of the API
// route that page depends on (people only; machines never see the nav).
describe('the nav table matches the server route table', () => {
  const PAGE_API: Record<string, string> = {
    '/live': 'get /api/v1/kpis',
    '/alerts': 'get /api/v1/alerts',
    '/track': 'get /api/v1/track',
    '/handover': 'get /api/v1/handover',
    '/people': 'get /api/v1/admin/users',
    '/password': 'post /api/v1/auth/password',
  };
  const PEOPLE = ['admin', 'manager', 'control_room', 'on_call', 'cs_operator', 'finance'];
  // A computed specifier: the web type-check does not follow it into server code.
  const routesModule = ['..', '..', '..', 'server', 'http', 'routes.ts'].join('/');

  it.each(Object.entries(PAGE_API))('%s admits the people that %s admits', async (page, api) => {
    const { ROUTES } = (await import(/* @vite-ignore */ routesModule)) as {
      ROUTES: Array<{ method: string; path: string; roles: readonly string[] | 'public' }>;
    };
    const route = ROUTES.find((r) => `${r.method} ${r.path}` === api);
    expect(route, api).toBeDefined();
    const serverPeople = (route!.roles as readonly string[]).filter((r) => PEOPLE.includes(r)).sort();
    const navPeople = NAV_PAGES.find((p) => p.path === page)!
      .roles.filter((r) => PEOPLE.includes(r))
      .sort();
    expect(navPeople).toEqual(serverPeople);
  });
});
