// Shapes of the look-up endpoints (server/services/lookup.ts), as the browser sees them
// (dates are ISO strings). Pure module: no DOM, no Vue.

import type { ArrivalView } from './eta';

export type Verdict = 'on_time' | 'on_track' | 'at_risk' | 'late' | 'excused';

export interface PersonView {
  name: string | null;
  phone: string | null;
  address: string | null;
  city: string;
}

export interface HubRef {
  code: string;
  name: string | null;
}

export interface PromiseView {
  tier: string;
  startDay: string | null;
  earliest: string | null;
  deadline: string | null;
  predictedArrival: string | null;
  /** The predicted arrival has passed and the parcel is still open (older servers: absent). */
  predictionOverdue?: boolean;
  /** The arrival estimate p10–p90 (older servers: absent). */
  arrival?: ArrivalView | null;
  verdict: Verdict | string | null;
}

/** One hit of `GET /api/v1/track?q=`. */
export interface TrackSummary {
  waybill: string;
  tier: string;
  status: string;
  statusAt: string | null;
  masked: boolean;
  recipient: PersonView;
  origin: HubRef;
  destination: HubRef;
  collectedAt: string;
  lastScan: { at: string; hub: string | null; hubName: string | null; type: string | null } | null;
  deliveredAt: string | null;
  exception: { reason: string; at: string | null } | null;
  promise: PromiseView;
}

export interface TrackResponse {
  query: string;
  results: TrackSummary[];
}

/** One scan of the trajectory. */
export interface TrajectoryStep {
  id: string;
  time: string;
  receivedAt: string;
  type: string;
  hub: string | null;
  hubName: string | null;
  city: string | null;
  courier: string | null;
  latitude: number | null;
  longitude: number | null;
  signer: string | null;
  reason: string | null;
  detail: string | null;
}

export interface FeeView {
  chargeableWeightKg: number | null;
  zone: number | null;
  parts: { base: number; weight: number; tier: number; insurance: number };
  total: number;
  currency: string;
  paymentState: string;
}

/** `GET /api/v1/shipments/:waybill`. */
export interface ShipmentDetail extends TrackSummary {
  sender: PersonView;
  signer: string | null;
  item: { name: string | null; weightKg: number | null; volumeCm3: number | null; declaredValue: number | null };
  collectedBy: string | null;
  fee: FeeView;
  trajectory: TrajectoryStep[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSummaryLike(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.waybill === 'string' &&
    typeof value.status === 'string' &&
    isRecord(value.recipient) &&
    isRecord(value.destination) &&
    isRecord(value.promise)
  );
}

/** Light structural check of a `/track` answer; null when it does not look right. */
export function parseTrackResponse(value: unknown): TrackResponse | null {
  if (!isRecord(value) || !Array.isArray(value.results)) return null;
  if (!value.results.every(isSummaryLike)) return null;
  return { query: typeof value.query === 'string' ? value.query : '', results: value.results as TrackSummary[] };
}

/** Light structural check of a `/shipments/:waybill` answer; null when it does not look right. */
export function parseShipmentDetail(value: unknown): ShipmentDetail | null {
  if (!isSummaryLike(value) || !isRecord(value)) return null;
  if (!Array.isArray(value.trajectory) || !isRecord(value.fee) || !isRecord(value.sender)) return null;
  if (!value.trajectory.every((s) => isRecord(s) && typeof s.time === 'string' && typeof s.type === 'string')) return null;
  return value as unknown as ShipmentDetail;
}
