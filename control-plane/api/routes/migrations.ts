import { z } from 'zod';
import { pageQuery, route, uuidParam } from '../route';
import {
  addMigrationAccounts,
  createMigrationProject,
  CSV_MAX_BODY,
  getMigrationAccountReport,
  getMigrationProject,
  listMigrationAccounts,
  listMigrationEvents,
  listMigrationProjects,
  migrationSchemas as s,
  retryFailedAccounts,
  rollbackProject,
  scheduleCutover,
  startDeltaSchedule,
  startPrestage,
  stopDeltaSchedule,
  testSourceConnection,
  testSourceConnectionInput,
} from '../../../migration-projects';

/**
 * Migration projects: tenant admins of the tenant read, migration engineers and operators write.
 * Every route is one command; tenant scoping (a foreign project is 404) is in the commands.
 */
const tenantParams = z.strictObject({ tenantId: uuidParam });
const projectParams = z.strictObject({ tenantId: uuidParam, projectId: uuidParam });
const accountParams = z.strictObject({ tenantId: uuidParam, projectId: uuidParam, accountId: uuidParam });
const base = '/tenants/:tenantId/migrations';
const tags = ['migrations'];
/** A CSV as text/csv, or JSON {csv}. */
const csvBody = z.union([z.string().min(1), z.strictObject({ csv: z.string().min(1) })]);
const selection = s.accountSelectionSchema.prefault({});

const ConnectionTest = z.object({
  ok: z.boolean(),
  ms: z.number(),
  error: z.string().nullable(),
  folders: z.number().nullable(),
  capabilities: z.array(z.string()),
});

export const migrationRoutes = [
  route({
    method: 'post',
    path: `${base}/test-connection`,
    summary: 'Test the source server: log in as one account with the project’s credentials and list its folders (nothing stored)',
    tags,
    permission: 'migration.write',
    params: tenantParams,
    body: testSourceConnectionInput,
    response: ConnectionTest,
    handler: (ctx, { params, body }) => testSourceConnection(ctx, params.tenantId, body),
  }),
  route({
    method: 'post',
    path: base,
    summary: 'Create a migration project (source server, credentials, accounts CSV)',
    tags,
    permission: 'migration.write',
    params: tenantParams,
    body: s.createProjectSchema,
    status: 201,
    idempotent: true,
    bodyLimit: CSV_MAX_BODY,
    handler: (ctx, { params, body }) => createMigrationProject(ctx, params.tenantId, body),
  }),
  route({
    method: 'get',
    path: base,
    summary: 'List the tenant’s migration projects with account counts per status',
    tags,
    permission: 'migration.read',
    params: tenantParams,
    query: pageQuery,
    handler: (ctx, { params, query }) => listMigrationProjects(ctx, params.tenantId, query),
  }),
  route({
    method: 'get',
    path: `${base}/:projectId`,
    summary: 'Show a migration project',
    tags,
    permission: 'migration.read',
    params: projectParams,
    handler: (ctx, { params }) => getMigrationProject(ctx, params.tenantId, params.projectId),
  }),
  route({
    method: 'post',
    path: `${base}/:projectId/accounts`,
    summary: 'Add accounts to a project (CSV: source_user,destination_address[,source_password])',
    tags,
    permission: 'migration.write',
    params: projectParams,
    body: csvBody,
    acceptsCsv: true,
    bodyLimit: CSV_MAX_BODY,
    status: 201,
    idempotent: true,
    handler: async (ctx, { params, body }) => ({
      items: await addMigrationAccounts(ctx, params.tenantId, params.projectId, typeof body === 'string' ? body : body.csv),
    }),
  }),
  route({
    method: 'get',
    path: `${base}/:projectId/accounts`,
    summary: 'Progress per account',
    tags,
    permission: 'migration.read',
    params: projectParams,
    query: pageQuery,
    handler: (ctx, { params, query }) => listMigrationAccounts(ctx, params.tenantId, params.projectId, query),
  }),
  route({
    method: 'get',
    path: `${base}/:projectId/accounts/:accountId/report`,
    summary: 'The account’s verification report and last pass report (JSON)',
    tags,
    permission: 'migration.read',
    params: accountParams,
    handler: (ctx, { params }) => getMigrationAccountReport(ctx, params.tenantId, params.projectId, params.accountId),
  }),
  route({
    method: 'get',
    path: `${base}/:projectId/events`,
    summary: 'History of the project (passes, progress, cut-over), optionally of one account',
    tags,
    permission: 'migration.read',
    params: projectParams,
    query: pageQuery.extend({ accountId: uuidParam.optional() }),
    handler: (ctx, { params, query }) => listMigrationEvents(ctx, params.tenantId, params.projectId, query),
  }),
  route({
    method: 'post',
    path: `${base}/:projectId/prestage`,
    summary: 'Start the pre-stage (a full pass) of pending accounts',
    tags,
    permission: 'migration.write',
    params: projectParams,
    body: selection,
    status: 202,
    handler: (ctx, { params, body }) => startPrestage(ctx, params.tenantId, params.projectId, body.accountIds),
  }),
  route({
    method: 'post',
    path: `${base}/:projectId/retry`,
    summary: 'Retry failed accounts (a full pass copies what is missing)',
    tags,
    permission: 'migration.write',
    params: projectParams,
    body: selection,
    status: 202,
    handler: (ctx, { params, body }) => retryFailedAccounts(ctx, params.tenantId, params.projectId, body.accountIds),
  }),
  route({
    method: 'put',
    path: `${base}/:projectId/delta-schedule`,
    summary: 'Start (or change) delta passes every N minutes',
    tags,
    permission: 'migration.write',
    params: projectParams,
    body: s.deltaScheduleSchema,
    handler: (ctx, { params, body }) => startDeltaSchedule(ctx, params.tenantId, params.projectId, body),
  }),
  route({
    method: 'delete',
    path: `${base}/:projectId/delta-schedule`,
    summary: 'Stop delta passes',
    tags,
    permission: 'migration.write',
    params: projectParams,
    handler: (ctx, { params }) => stopDeltaSchedule(ctx, params.tenantId, params.projectId),
  }),
  route({
    method: 'put',
    path: `${base}/:projectId/cutover`,
    summary: 'Schedule the cut-over, or move an already scheduled one',
    tags,
    permission: 'migration.write',
    params: projectParams,
    body: s.cutoverSchema,
    handler: (ctx, { params, body }) => scheduleCutover(ctx, params.tenantId, params.projectId, body),
  }),
  route({
    method: 'post',
    path: `${base}/:projectId/rollback`,
    summary: 'Roll back before the switch: cancel the cut-over, stop deltas, inbound mail stays with the source',
    tags,
    permission: 'migration.write',
    params: projectParams,
    body: s.rollbackSchema.prefault({}),
    handler: (ctx, { params, body }) => rollbackProject(ctx, params.tenantId, params.projectId, body),
  }),
];
