// Fetch wrappers for the look-up endpoints. Same-origin; the session is an HttpOnly cookie.
// Errors are the shared ApiError, carrying the server's `{ error: { code, message } }`; an
// answer outside its wire schema (contract/track.ts) is one too (requestAs).

import { shipmentDetail, trackResponse } from '../../../../contract/track.ts';
import { requestAs } from '../../api';
import type { ShipmentDetail, TrackResponse } from './types';

export function searchParcels(q: string, signal?: AbortSignal): Promise<TrackResponse> {
  return requestAs(trackResponse, `/api/v1/track?q=${encodeURIComponent(q)}`, signal ? { signal } : {});
}

export function fetchShipment(waybill: string, signal?: AbortSignal): Promise<ShipmentDetail> {
  return requestAs(shipmentDetail, `/api/v1/shipments/${encodeURIComponent(waybill)}`, signal ? { signal } : {});
}
