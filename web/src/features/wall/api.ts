// REST calls of the wall screen. Same-origin; the display's enrolment cookie (or a
// signed-in user's session) authenticates them. A 401 surfaces as ApiError(401); an answer
// outside its wire schema is an ApiError too (requestAs).

import { requestAs } from '../../api';
import { withTitle, type Alert } from '../alerts/types';
import { alertList } from '../../../../contract/alerts.ts';
import { mapSnapshot } from '../../../../contract/kpi.ts';
import type { MapSnapshot } from '../../contract';

export function fetchMap(): Promise<MapSnapshot> {
  return requestAs(mapSnapshot, '/api/v1/map');
}

/** The newest active alerts, to seed the ticker (it follows `alerts` changes afterwards). */
export async function fetchActiveAlerts(limit = 50): Promise<Alert[]> {
  return (await requestAs(alertList, `/api/v1/alerts?state=active&limit=${limit}`)).alerts.map(withTitle);
}
