// Hand-offs as the console shows them: the wire shapes of `GET /api/v1/handoffs` and the
// create/done answers (contract/handoffs.ts), with the alert's title gathered into one
// field for alertTitleIn. Pure module: no DOM, no Vue.

import * as wire from '../../../../contract/handoffs.ts';
import type { HandoffState } from '../../../../contract/enums.ts';
import { decode } from '../../contract';
import { withTitle } from '../alerts/types';
import type { AlertTitleFields } from '../alerts/messages';

export type { HandoffState };
export type HandoffStateFilter = HandoffState | 'all';
export type Person = wire.Person;
export type HandoffParcel = wire.HandoffParcel;

export type Handoff = Omit<wire.Handoff, 'alert'> & {
  alert: Omit<wire.Handoff['alert'], 'title' | 'titleKey' | 'titleParams'> & { title: AlertTitleFields };
};

/** A hand-off as the console shows it. */
export const handoffView = (h: wire.Handoff): Handoff => ({ ...h, alert: withTitle(h.alert) });

/** `{ handoffs: [...] }`, or null when it does not fit the contract. */
export function parseHandoffList(value: unknown): Handoff[] | null {
  return decode(wire.handoffList, value)?.handoffs.map(handoffView) ?? null;
}

/** `{ handoff: {...} }` from create and done. */
export function parseHandoffEnvelope(value: unknown): Handoff | null {
  const h = decode(wire.handoffEnvelope, value)?.handoff;
  return h ? handoffView(h) : null;
}
