// REST calls for hand-offs to customer service. Errors are the shared ApiError
// carrying the server's message (a refusal names the waybills that are not in the alert).

import { invalidResponse, postJson, request } from '../../api';
import { parseHandoffEnvelope, parseHandoffList, type Handoff, type HandoffStateFilter } from './types';

export async function fetchHandoffs(state: HandoffStateFilter, alertId?: number): Promise<Handoff[]> {
  const alert = alertId === undefined ? '' : `&alert=${alertId}`;
  const list = parseHandoffList(await request(`/api/v1/handoffs?state=${state}${alert}`));
  if (!list) throw invalidResponse('/handoffs');
  return list;
}

export async function createHandoff(alertId: number, waybills: readonly string[], note: string): Promise<Handoff> {
  const handoff = parseHandoffEnvelope(await postJson(`/api/v1/alerts/${alertId}/handoffs`, { waybills, note }));
  if (!handoff) throw invalidResponse('/alerts/:id/handoffs');
  return handoff;
}

export async function markHandoffDone(id: number, comment: string): Promise<Handoff> {
  const handoff = parseHandoffEnvelope(await postJson(`/api/v1/handoffs/${id}/done`, { comment }));
  if (!handoff) throw invalidResponse('/handoffs/:id/done');
  return handoff;
}
