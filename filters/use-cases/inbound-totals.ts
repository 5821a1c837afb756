import { z } from 'zod';
import type { Services } from '../../platform/context';
import { verdictTotals } from '../repositories/messages';

export const InboundTotals = z.object({
  /** messages (per recipient's tenant) by the decision or refusal counted for them (verdict_counters) */
  byVerdict: z.array(z.object({ verdict: z.string(), count: z.number() })),
});
export type InboundTotals = z.infer<typeof InboundTotals>;

/** The inbound path's running totals since the platform began, for the metrics scrape. */
export async function inboundTotals(deps: Pick<Services, 'db'>): Promise<InboundTotals> {
  return { byVerdict: await verdictTotals(deps.db) };
}
