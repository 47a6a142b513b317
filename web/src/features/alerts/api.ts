// REST calls of the alerts page. Same-origin, session cookie; errors are ApiError
// carrying the server's message (shown as is on 400/409). Each answer is checked against its
// wire schema (requestAs/postAs); the titles are then gathered for alertTitleIn (./types.ts).

import * as wire from '../../../../contract/alerts.ts';
import { postAs, requestAs } from '../../api';
import { alertDetailView, withTitle, type Alert, type AlertDetail, type StateFilter } from './types';

export async function fetchAlerts(state: StateFilter): Promise<Alert[]> {
  const list = await requestAs(wire.alertList, `/api/v1/alerts?state=${encodeURIComponent(state)}&limit=500`);
  return list.alerts.map(withTitle);
}

export async function fetchAlertDetail(id: number): Promise<AlertDetail> {
  return alertDetailView(await requestAs(wire.alertDetail, `/api/v1/alerts/${id}`));
}

export async function moveAlert(id: number, to: 'acknowledge' | 'resolve', comment: string): Promise<Alert> {
  return withTitle((await postAs(wire.alertEnvelope, `/api/v1/alerts/${id}/${to}`, { comment })).alert);
}
