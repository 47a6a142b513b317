// REST calls of the wall screen. Same-origin; the display's enrolment cookie (or a
// signed-in user's session) authenticates them. A 401 surfaces as ApiError(401).

import { invalidResponse, request } from '../../api';
import { parseAlertList, type Alert } from '../alerts/types';
import { mapSnapshot } from '../../../../contract/kpi.ts';
import { decode, type MapSnapshot } from '../../contract';

export async function fetchMap(): Promise<MapSnapshot> {
  const map = decode(mapSnapshot, await request('/api/v1/map'));
  if (!map) throw invalidResponse('/map');
  return map;
}

/** The newest active alerts, to seed the ticker (it follows `alerts` changes afterwards). */
export async function fetchActiveAlerts(limit = 50): Promise<Alert[]> {
  const list = parseAlertList(await request(`/api/v1/alerts?state=active&limit=${limit}`));
  if (!list) throw invalidResponse('/alerts');
  return list;
}
