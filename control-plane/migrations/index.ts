// Migration projects of the control plane: commands (API and CLI call these), job handlers (workers).
export { createMigrationProject } from './commands/create-project';
export { addMigrationAccounts } from './commands/add-accounts';
export { startPrestage, retryFailedAccounts, type StartResult } from './commands/start-prestage';
export { startDeltaSchedule, stopDeltaSchedule } from './commands/delta-schedule';
export { scheduleCutover } from './commands/schedule-cutover';
export { rollbackProject } from './commands/rollback';
export { testSourceConnection, testSourceConnectionInput } from './commands/test-connection';
export {
  listMigrationProjects,
  getMigrationProject,
  listMigrationAccounts,
  getMigrationAccountReport,
  listMigrationEvents,
  resolveProjectRef,
  type AccountReport,
} from './commands/queries';
export { migrationJobHandlers } from './processors/handlers';
export type { MigrationHooks } from './processors/engine';
export type { ProjectView, AccountView } from './presenters';
export * as migrationSchemas from './schemas';
export { CSV_MAX_BODY } from './limits';
