// Pure helpers for the parcels of an alert (selection, export rows, links) and the
// hand-offs to customer service (who may do what). No DOM, no Vue.

/** Mirrors the route table (server/http/handoff-routes.ts); the server decides, this only hides buttons. */
const SENDER_ROLES: readonly string[] = ['admin', 'manager', 'on_call'];
const READER_ROLES: readonly string[] = ['admin', 'manager', 'cs_operator', 'on_call'];
const CLOSER_ROLES: readonly string[] = ['admin', 'manager', 'cs_operator'];

export const MAX_HANDOFF_PARCELS = 500;

export const canHandOff = (role: string | null | undefined): boolean => SENDER_ROLES.includes(role ?? '');
export const canReadHandoffs = (role: string | null | undefined): boolean => READER_ROLES.includes(role ?? '');
export const canCloseHandoffs = (role: string | null | undefined): boolean => CLOSER_ROLES.includes(role ?? '');

export type SelectionState = 'none' | 'some' | 'all';

/** For the select-all checkbox: checked, indeterminate or clear. Only waybills still listed count. */
export function selectionState(selected: ReadonlySet<string>, all: readonly string[]): SelectionState {
  const n = all.filter((w) => selected.has(w)).length;
  if (n === 0) return 'none';
  return n === all.length ? 'all' : 'some';
}

export function toggleOne(selected: ReadonlySet<string>, waybill: string): Set<string> {
  const next = new Set(selected);
  if (next.has(waybill)) next.delete(waybill);
  else next.add(waybill);
  return next;
}

/** Select-all: everything when anything is missing, nothing when all are selected. */
export function toggleAll(selected: ReadonlySet<string>, all: readonly string[]): Set<string> {
  return selectionState(selected, all) === 'all' ? new Set() : new Set(all);
}

/** Drops selected waybills that left the list (delivered parcels leave an alert on the next sweep). */
export function pruneSelection(selected: ReadonlySet<string>, all: readonly string[]): Set<string> {
  const present = new Set(all);
  return new Set([...selected].filter((w) => present.has(w)));
}

/** The selected items in list order. */
export function pickSelected<T extends { waybill: string }>(items: readonly T[], selected: ReadonlySet<string>): T[] {
  return items.filter((p) => selected.has(p.waybill));
}

/** What an export writes: the selection when there is one, otherwise every parcel. */
export function exportItems<T extends { waybill: string }>(items: readonly T[], selected: ReadonlySet<string>): T[] {
  const picked = pickSelected(items, selected);
  return picked.length > 0 ? picked : [...items];
}

/** The look-up page for one parcel (a search by waybill opens it directly). */
export function trackLocation(waybill: string): { path: string; query: { q: string } } {
  return { path: '/track', query: { q: waybill } };
}

export function trackHref(waybill: string): string {
  return `/track?q=${encodeURIComponent(waybill)}`;
}

/** Why a hand-off can't be sent yet, as a message key; null when it can. */
export function handoffProblem(
  selectedCount: number,
  note: string,
): 'handoff.needParcels' | 'handoff.tooMany' | 'handoff.needNote' | null {
  if (selectedCount === 0) return 'handoff.needParcels';
  if (selectedCount > MAX_HANDOFF_PARCELS) return 'handoff.tooMany';
  if (note.trim() === '') return 'handoff.needNote';
  return null;
}
