import type { Command } from 'commander';

/** Every CLI subcommand group, one module each. */
export function registerCliCommands(_program: Command): void {}
