// The answers of the migration-project routes, which declare no response schema in the API yet (their
// presenters are control-plane/migrations/presenters.ts): the request side is still checked through
// schema.d.ts; these describe what comes back until the routes declare it.
export interface ProjectView {
  id: string;
  tenantId: string;
  name: string;
  status: 'active' | 'cutover-scheduled' | 'cutting-over' | 'cut-over' | 'rolled-back';
  source: { host: string; port: number; security: string; insecure: boolean };
  auth: { method: string; user: string | null; style: string | null; credentialsSet: boolean };
  deltaIntervalMinutes: number | null;
  cutoverAt: string | null;
  catchupWindowHours: number;
  /** IANA zone the cut-over is shown and scheduled in */
  timeZone: string;
  accounts: { total: number; byStatus: Record<string, number> };
  createdAt: string;
  updatedAt: string;
}

export interface MigrationAccountView {
  id: string;
  projectId: string;
  sourceUser: string;
  accountId: string | null;
  destinationAddress: string;
  status: string;
  phase: string | null;
  passes: number;
  lastPassAt: string | null;
  lastPassMode: string | null;
  progress: { messagesTotal: number | null; messagesDone: number | null; bytesDone: number | null };
  copiedTotal: number;
  bytesCopiedTotal: number;
  failedMessages: number;
  missingMessages: number | null;
  verifiedAt: string | null;
  switchedAt: string | null;
  lastError: string | null;
  updatedAt: string;
}

export interface MissingMessage {
  uid: number;
  messageId?: string;
  date?: string;
  subject?: string;
  size: number;
}

export interface FolderVerification {
  sourcePath: string;
  destPath: string;
  sourceCount: number;
  destCount: number;
  matched: number;
  skipped: Array<{ uid: number; size: number; reason: string }>;
  missingCount: number;
  missing: MissingMessage[];
  error?: string;
}

export interface AccountReport {
  account: MigrationAccountView;
  verification: {
    account: { source: string; destination: string };
    verified: boolean;
    manifestDigest: string;
    folders: FolderVerification[];
    totals: { sourceCount: number; destCount: number; matched: number; skipped: number; missing: number };
    finishedAt: string;
  } | null;
  lastPass: unknown;
}

export interface MigrationEvent {
  id: number;
  accountId: string | null;
  at: string;
  kind: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
