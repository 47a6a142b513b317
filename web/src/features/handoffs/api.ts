// REST calls for hand-offs to customer service. Errors are the shared ApiError
// carrying the server's message (a refusal names the waybills that are not in the alert).
// Each answer is checked against its wire schema (requestAs/postAs).

import * as wire from '../../../../contract/handoffs.ts';
import { postAs, requestAs } from '../../api';
import { handoffView, type Handoff, type HandoffStateFilter } from './types';

export async function fetchHandoffs(state: HandoffStateFilter, alertId?: number): Promise<Handoff[]> {
  const alert = alertId === undefined ? '' : `&alert=${alertId}`;
  return (await requestAs(wire.handoffList, `/api/v1/handoffs?state=${state}${alert}`)).handoffs.map(handoffView);
}

export async function createHandoff(alertId: number, waybills: readonly string[], note: string): Promise<Handoff> {
  return handoffView(
    (await postAs(wire.handoffEnvelope, `/api/v1/alerts/${alertId}/handoffs`, { waybills, note })).handoff,
  );
}

export async function markHandoffDone(id: number, comment: string): Promise<Handoff> {
  return handoffView((await postAs(wire.handoffEnvelope, `/api/v1/handoffs/${id}/done`, { comment })).handoff);
}
