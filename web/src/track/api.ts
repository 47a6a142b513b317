// Fetch wrappers for the look-up endpoints. Same-origin; the session is an HttpOnly cookie.
// Errors are the shared ApiError, carrying the server's `{ error: { code, message } }`.

import { ApiError } from '../api';
import { parseApiError } from '../contract';
import { parseShipmentDetail, parseTrackResponse, type ShipmentDetail, type TrackResponse } from './types';

async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' }, signal });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
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

export async function searchParcels(q: string, signal?: AbortSignal): Promise<TrackResponse> {
  const parsed = parseTrackResponse(await getJson(`/api/v1/track?q=${encodeURIComponent(q)}`, signal));
  if (!parsed) throw new ApiError(502, 'invalid_response', 'Unexpected /track response from server');
  return parsed;
}

export async function fetchShipment(waybill: string, signal?: AbortSignal): Promise<ShipmentDetail> {
  const parsed = parseShipmentDetail(await getJson(`/api/v1/shipments/${encodeURIComponent(waybill)}`, signal));
  if (!parsed) throw new ApiError(502, 'invalid_response', 'Unexpected /shipments response from server');
  return parsed;
}
