// Public API of the migrator (what the control plane's adapter and the CLI use).
export { runMigrationPass, verifyMailbox, preflight, type EngineContext, type PassInput } from './engine/pass';
export type { ProgressEvent } from './engine/context';
export type { FolderPassResult } from './engine/folder-sync';
export type { PreflightReport } from './engine/preflight';
export type { FolderVerification, MissingMessage } from './engine/verify';
export { sourceSnapshot, type FolderSnapshot, type SourceSnapshot } from './engine/snapshot';
export { buildReport, summarize, manifestDigest, type MigrationReport, type PassResult, type VerificationReport } from './report';
export { MigratorError, isMigratorError, type MigratorErrorCode } from './errors';
export { openImapFlow, closeQuietly } from './imap/connect';
export {
  endpointSchema,
  migrationOptionsSchema,
  parseImapUrl,
  passModeSchema,
  type PassMode,
  type Endpoint,
  type EndpointInput,
  type MigrationOptions,
  type MigrationOptionsInput,
} from './options';
export type { MigrationStateStore, FolderState, MessageRecord } from './state/store';
export { KnexStateStore } from './state/knex-store';
export { openSqliteStateStore } from './state/sqlite';
export { planFolders, type FolderPlan } from './folders/mapping';
