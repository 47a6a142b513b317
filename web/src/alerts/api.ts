// REST calls of the alerts page. Same-origin, session cookie; errors are ApiError
// carrying the server's message (shown as is on 400/409).

import { ApiError } from '../api';
import { parseApiError } from '../contract';
import { parseAlertDetail, parseAlertEnvelope, parseAlertList, type Alert, type AlertDetail, type StateFilter } from './types';

async function request(path: string, init: RequestInit = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, {
      credentials: 'same-origin',
      ...init,
      headers: { Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}) },
    });
  } catch (cause) {
    throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : 'network error');
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const err = parseApiError(body);
    throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? res.statusText);
  }
  return body;
}

const invalid = (what: string) => new ApiError(502, 'invalid_response', `Unexpected ${what} response from server`);

export async function fetchAlerts(state: StateFilter): Promise<Alert[]> {
  const list = parseAlertList(await request(`/api/v1/alerts?state=${encodeURIComponent(state)}&limit=500`));
  if (!list) throw invalid('/alerts');
  return list;
}

export async function fetchAlertDetail(id: number): Promise<AlertDetail> {
  const detail = parseAlertDetail(await request(`/api/v1/alerts/${id}`));
  if (!detail) throw invalid('/alerts/:id');
  return detail;
}

export async function moveAlert(id: number, to: 'acknowledge' | 'resolve', comment: string): Promise<Alert> {
  const alert = parseAlertEnvelope(
    await request(`/api/v1/alerts/${id}/${to}`, { method: 'POST', body: JSON.stringify({ comment }) }),
  );
  if (!alert) throw invalid(`/alerts/:id/${to}`);
  return alert;
}
