import { z } from 'zod';
import {
  AUDIT_CSV_COLUMNS,
  auditCsvLine,
  auditNdjsonLine,
  exportAuditInput,
  iterateAudit,
  listAudit,
  listAuditInput,
  verifyAudit,
} from '../../../tenancy/use-cases/audit-log';
import { AuditEntry } from '../../../tenancy/presenters';
import { pageOf, route } from '../route';

const Verification = z.object({
  ok: z.boolean(),
  checked: z.number(),
  problems: z.array(z.object({ id: z.number(), problem: z.string() })),
});

export const auditRoutes = [
  route({
    method: 'get',
    path: '/audit',
    summary: 'Audit log, oldest first (filter by tenant, actor, action or action prefix `account.`, time range [from, to))',
    tags: ['audit'],
    permission: 'audit.read',
    auditSupportReads: true,
    query: listAuditInput,
    response: pageOf(AuditEntry),
    handler: (ctx, { query }) => listAudit(ctx, query),
  }),
  route({
    method: 'get',
    path: '/audit/export',
    summary: 'Export the audit log as NDJSON (default) or CSV, streamed',
    tags: ['audit'],
    permission: 'audit.read',
    auditSupportReads: true,
    query: exportAuditInput,
    async handler(ctx, { query, http }) {
      const { format, ...filter } = query;
      const { res } = http;
      // the first page is read before the headers go out, so a failure still answers with a JSON error
      const rows = iterateAudit(ctx, filter);
      const first = await rows.next();
      res.status(200);
      res.setHeader('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      res.setHeader('content-disposition', `attachment; filename="postwerk-audit.${format === 'csv' ? 'csv' : 'ndjson'}"`);
      const line = format === 'csv' ? auditCsvLine : auditNdjsonLine;
      if (format === 'csv') res.write(AUDIT_CSV_COLUMNS.join(',') + '\r\n');
      if (!first.done) res.write(line(first.value));
      for await (const r of rows) {
        // respect backpressure: a slow client must not make the export buffer the whole log
        if (!res.write(line(r))) await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    },
  }),
  route({
    method: 'get',
    path: '/audit/verify',
    summary: "Verify every chain of the audit log (keyed hashes, sequence, heads, the heads file's anchors)",
    tags: ['audit'],
    permission: 'audit.verify',
    response: Verification,
    handler: (ctx) => verifyAudit(ctx),
  }),
];
