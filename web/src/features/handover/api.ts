// REST call of the handover page. Same-origin, session cookie; errors are ApiError.

import { invalidResponse, request } from '../../api';
import { parseHandover, type HandoverReport } from './report';
import { shiftWindow, type Shift } from './shift';

export async function fetchHandover(shift: Shift, signal?: AbortSignal): Promise<HandoverReport> {
  const { from, to } = shiftWindow(shift);
  const query = new URLSearchParams({ from, to });
  const report = parseHandover(await request(`/api/v1/handover?${query.toString()}`, signal ? { signal } : {}));
  if (!report) throw invalidResponse('/handover');
  return report;
}
