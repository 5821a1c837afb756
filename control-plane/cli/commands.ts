import type { Command } from 'commander';
import { registerMigrationCommands } from './migration';

/** Every CLI subcommand group, one module each. */
export function registerCliCommands(program: Command): void {
  registerMigrationCommands(program);
}
