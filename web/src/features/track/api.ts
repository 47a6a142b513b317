// Fetch wrappers for the look-up endpoints. Same-origin; the session is an HttpOnly cookie.
// Errors are the shared ApiError, carrying the server's `{ error: { code, message } }`.

import { invalidResponse, request } from '../../api';
import { parseShipmentDetail, parseTrackResponse, type ShipmentDetail, type TrackResponse } from './types';

function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
  return request(path, signal ? { signal } : {});
}

export async function searchParcels(q: string, signal?: AbortSignal): Promise<TrackResponse> {
  const parsed = parseTrackResponse(await getJson(`/api/v1/track?q=${encodeURIComponent(q)}`, signal));
  if (!parsed) throw invalidResponse('/track');
  return parsed;
}

export async function fetchShipment(waybill: string, signal?: AbortSignal): Promise<ShipmentDetail> {
  const parsed = parseShipmentDetail(await getJson(`/api/v1/shipments/${encodeURIComponent(waybill)}`, signal));
  if (!parsed) throw invalidResponse('/shipments');
  return parsed;
}
