// Migration projects of the control plane: commands (API and CLI call these), job handlers (workers).
export { createMigrationProject } from './use-cases/create-project';
export { addMigrationAccounts } from './use-cases/add-accounts';
export { startPrestage, retryFailedAccounts, type StartResult } from './use-cases/start-prestage';
export { startDeltaSchedule, stopDeltaSchedule } from './use-cases/delta-schedule';
export { scheduleCutover } from './use-cases/schedule-cutover';
export { rollbackProject } from './use-cases/rollback';
export { testSourceConnection, testSourceConnectionInput } from './use-cases/test-connection';
export {
  listMigrationProjects,
  getMigrationProject,
  listMigrationAccounts,
  getMigrationAccountReport,
  listMigrationEvents,
  resolveProjectRef,
  type AccountReport,
} from './use-cases/queries';
export { migrationJobHandlers } from './processors/handlers';
export type { MigrationHooks } from './processors/engine';
export type { ProjectView, AccountView } from './presenters';
export * as migrationSchemas from './schemas';
export { CSV_MAX_BODY } from './limits';
