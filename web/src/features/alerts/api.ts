// REST calls of the alerts page. Same-origin, session cookie; errors are ApiError
// carrying the server's message (shown as is on 400/409).

import { invalidResponse, postJson, request } from '../../api';
import {
  parseAlertDetail,
  parseAlertEnvelope,
  parseAlertList,
  type Alert,
  type AlertDetail,
  type StateFilter,
} from './types';

export async function fetchAlerts(state: StateFilter): Promise<Alert[]> {
  const list = parseAlertList(await request(`/api/v1/alerts?state=${encodeURIComponent(state)}&limit=500`));
  if (!list) throw invalidResponse('/alerts');
  return list;
}

export async function fetchAlertDetail(id: number): Promise<AlertDetail> {
  const detail = parseAlertDetail(await request(`/api/v1/alerts/${id}`));
  if (!detail) throw invalidResponse('/alerts/:id');
  return detail;
}

export async function moveAlert(id: number, to: 'acknowledge' | 'resolve', comment: string): Promise<Alert> {
  const alert = parseAlertEnvelope(await postJson(`/api/v1/alerts/${id}/${to}`, { comment }));
  if (!alert) throw invalidResponse(`/alerts/:id/${to}`);
  return alert;
}
