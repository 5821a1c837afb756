import type { Db } from '../../../platform/db';
import type { Ctx } from '../../../platform/context';
import { notFound } from '../../../platform/errors';
import type { Permission } from '../../../platform/permissions';
import { authorizeTenant } from '../../policy/use-cases/access';
import { findInTenant, type QuarantineRow } from '../repositories/quarantine';

/** A quarantined message as the API and the CLI show it (never its content: see previewQuarantined). */
export interface QuarantinedMessage {
  id: string;
  tenantId: string;
  accountId: string | null;
  recipient: string;
  sender: string;
  headerFrom: string;
  subject: string;
  messageId: string;
  reason: 'virus' | 'spam' | 'blocked_sender';
  detail: string;
  spamScore: number | null;
  sizeBytes: number;
  queueId: string;
  createdAt: string;
  expiresAt: string;
  status: 'held' | 'releasing' | 'released';
  statusAt: string;
  releasedBy: string | null;
}

export function presentQuarantined(r: QuarantineRow): QuarantinedMessage {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    accountId: r.account_id,
    recipient: r.recipient,
    sender: r.sender,
    headerFrom: r.header_from,
    subject: r.subject,
    messageId: r.message_id,
    reason: r.reason,
    detail: r.detail,
    spamScore: r.spam_score === null ? null : Number(r.spam_score),
    sizeBytes: Number(r.size_bytes),
    queueId: r.queue_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    status: r.status,
    statusAt: r.status_at,
    releasedBy: r.released_by,
  };
}

/** Permission, tenant scope, then the row: another tenant's message answers 404 like a missing one. */
export async function loadQuarantined(ctx: Ctx, q: Db, permission: Permission, tenantId: string, id: string): Promise<QuarantineRow> {
  await authorizeTenant(ctx, q, permission, tenantId);
  const row = await findInTenant(q, tenantId, id);
  if (!row) throw notFound('quarantined message', id);
  return row;
}
