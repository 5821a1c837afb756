import type { Command } from 'commander';
import { registerTenantCommands } from './tenant';
import { registerAccountCommands } from './account';
import { registerAdminCommands } from './admin';
import { registerMigrationCommands } from './migration';
import { registerQuotaCommands } from './quota';
import { registerBackupCommands } from './backup';
import { registerExportCommands } from './export';
import { registerFilterCommands } from './filter';
import { registerDirectoryCommands } from './directory';
import { registerSlaCommands } from './sla';
import { registerMigrateCommand } from '../../migrator/cli/migrate-command';

/** Every CLI subcommand group, one module each. */
export function registerCliCommands(program: Command): void {
  registerTenantCommands(program);
  registerAccountCommands(program);
  registerAdminCommands(program);
  registerMigrationCommands(program);
  registerQuotaCommands(program);
  registerBackupCommands(program);
  registerExportCommands(program);
  registerFilterCommands(program);
  registerDirectoryCommands(program);
  registerSlaCommands(program);
  // the standalone engine: any two IMAP servers, state in a local SQLite file
  registerMigrateCommand(program);
}
