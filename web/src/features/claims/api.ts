// REST calls of the claims page, each answer checked against its wire schema
// (contract/money.ts); errors and answers outside the contract become ApiError (../../api).

import * as wire from '../../../../contract/money.ts';
import { postAs, requestAs } from '../../api';
import { query } from '../../money/period';

export type { Claim } from '../../../../contract/money.ts';

export const listClaims = async (state: string) =>
  (await requestAs(wire.claimList, `/api/v1/claims?${query({ state })}`)).claims;
export const getClaim = async (id: number) => (await requestAs(wire.claimEnvelope, `/api/v1/claims/${id}`)).claim;
export const createClaim = async (c: { waybill: string; reason: string; damagePercent?: number; note: string }) =>
  (await postAs(wire.claimEnvelope, '/api/v1/claims', c)).claim;
export const actOnClaim = async (
  id: number,
  action: 'approve' | 'reject' | 'pay',
  body: Record<string, string | number>,
) => (await postAs(wire.claimEnvelope, `/api/v1/claims/${id}/${action}`, body)).claim;
