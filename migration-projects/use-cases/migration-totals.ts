import { z } from 'zod';
import type { Services } from '../../platform/context';
import { copiedTotals } from '../repositories/migration-projects';

export const MigrationTotals = z.object({ messagesCopied: z.number(), bytesCopied: z.number() });
export type MigrationTotals = z.infer<typeof MigrationTotals>;

/** What every migration pass has copied so far, for the metrics scrape. */
export async function migrationTotals(deps: Pick<Services, 'db'>): Promise<MigrationTotals> {
  const t = await copiedTotals(deps.db);
  return { messagesCopied: t.messages, bytesCopied: t.bytes };
}
