import { z } from 'zod';
import type { Ctx } from '../../platform/context';
import { authorize, loadTenant } from '../../tenancy/shared/support';
import { PREVIEW_ITEMS_SHOWN, PREVIEW_PROBLEMS_SHOWN } from '../limits';
import { openSession } from '../ldap/client';
import { planSync, type PlanItem, type PlanSummary } from '../shared/plan';
import { loadSettings } from './get-connection';

type Of<K extends PlanItem['kind']> = Extract<PlanItem, { kind: K }>;

export interface SyncPreview extends PlanSummary {
  tenantId: string;
  create: Of<'create'>[];
  update: Of<'update'>[];
  suspend: Of<'suspend'>[];
  reenable: Of<'reenable'>[];
  skipped: Of<'skipped'>[];
  conflicts: Of<'conflict'>[];
  /** true when a list shows fewer items than its count (the counts and the digest cover everything) */
  truncated: boolean;
}

export const SyncPreviewView = z.custom<SyncPreview>(() => true);

/**
 * What a sync would do now, changing nothing: accounts to create, update (address, name, aliases),
 * suspend (never delete) and re-enable, entries skipped with their reason, and every conflict with its
 * reason. Its digest is what `applySync` must be given, so that what is applied is what was previewed.
 */
export async function previewSync(ctx: Ctx, tenantId: string): Promise<SyncPreview> {
  authorize(ctx, 'directory.read', tenantId);
  const tenant = await loadTenant(ctx.db, ctx, tenantId);
  const s = await loadSettings(ctx, tenantId);
  const out = { create: [], update: [], suspend: [], reenable: [], skipped: [], conflicts: [] } as Omit<
    SyncPreview,
    keyof PlanSummary | 'tenantId' | 'truncated'
  >;
  let truncated = false;
  const session = await openSession(s, s.bindDn, s.bindPassword);
  try {
    const summary = await planSync(ctx.db, tenant, s, session, async (items) => {
      for (const item of items) {
        const list = (item.kind === 'conflict' ? out.conflicts : out[item.kind]) as PlanItem[];
        const cap = item.kind === 'conflict' || item.kind === 'skipped' ? PREVIEW_PROBLEMS_SHOWN : PREVIEW_ITEMS_SHOWN;
        if (list.length < cap) list.push(item);
        else truncated = true;
      }
    });
    return { tenantId, ...summary, ...out, truncated };
  } finally {
    await session.close();
  }
}
