// Shapes of the look-up endpoints (server/services/lookup.ts), as the browser sees them:
// the wire schemas of contract/track.ts. Pure module: no DOM, no Vue.

import * as wire from '../../../../contract/track.ts';
import { decode } from '../../contract';

export type {
  FeeView,
  HubRef,
  PersonView,
  PromiseView,
  ShipmentDetail,
  TrackResponse,
  TrackSummary,
  TrajectoryStep,
} from '../../../../contract/track.ts';
export type { Verdict } from '../../../../contract/enums.ts';

/** A `/track` answer, or null when it does not fit the contract. */
export const parseTrackResponse = (value: unknown) => decode(wire.trackResponse, value);

/** A `/shipments/:waybill` answer, or null when it does not fit the contract. */
export const parseShipmentDetail = (value: unknown) => decode(wire.shipmentDetail, value);
