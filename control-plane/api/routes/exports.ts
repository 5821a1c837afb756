import type { Response } from 'express';
import { z } from 'zod';
import { exportAccount, exportFormat, type ExportPlan } from '../../../backup/use-cases/export-account';
import { exportTenant } from '../../../backup/use-cases/export-tenant';
import { route } from '../route';
import { tenantParams } from './schemas';

/** Export for reversibility (backup/): the archive streams as the download; see backup/README.md. */
const ExportQuery = z.strictObject({
  format: exportFormat,
  from: z.enum(['live', 'backup']).default('live'),
  at: z.iso.datetime({ offset: true }).optional(),
});

async function stream(plan: ExportPlan, res: Response): Promise<void> {
  res.status(200);
  res.setHeader('content-type', 'application/x-tar');
  res.setHeader('content-disposition', `attachment; filename="${plan.filename}"`);
  try {
    await plan.run(res);
  } catch (e) {
    // The headers are gone: cut the connection, so the client sees a broken download, never a short
    // archive that looks complete.
    res.destroy();
    throw e;
  }
}

export const exportRoutes = [
  route({
    method: 'get',
    path: '/tenants/:tenantId/accounts/:accountId/export',
    summary: 'Export an account as mbox files or a Maildir tree in a tar (streamed), live or from a backup as of a time',
    tags: ['backup'],
    permission: 'backup.export',
    // not for support today (the permission table); should that change, it says why like every content read
    supportReason: 'mail_content',
    params: tenantParams.extend({ accountId: z.uuid() }),
    query: ExportQuery,
    async handler(ctx, { params, query, http }) {
      await stream(await exportAccount(ctx, { ...params, ...query }), http.res);
    },
  }),
  route({
    method: 'get',
    path: '/tenants/:tenantId/export',
    summary: 'Export every account of a tenant as mbox files or Maildir trees in one tar (streamed)',
    tags: ['backup'],
    permission: 'backup.export',
    // not for support today (the permission table); should that change, it says why like every content read
    supportReason: 'mail_content',
    params: tenantParams,
    query: ExportQuery,
    async handler(ctx, { params, query, http }) {
      await stream(await exportTenant(ctx, { ...params, ...query }), http.res);
    },
  }),
];
