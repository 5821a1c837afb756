/**
 * The contract between the inbound pipeline (ingress, spool, routing, delivery) and the scanners and
 * quarantine. The pipeline owns a message from 250 to its final outcome; it asks the scanners for
 * verdicts, the tenant's policy for a decision, and hands quarantined mail to the quarantine.
 */

/** A spooled message as the pipeline knows it: the spool file is the truth, the queue job points to it. */
export interface SpooledMessage {
  queueId: string;
  /** absolute path of the spool file (the message exactly as received, CRLF line ends) */
  path: string;
  sizeBytes: number;
  envelope: {
    /** '' for the null sender */
    mailFrom: string;
    rcptTo: string[];
    clientAddress: string;
    heloName: string;
    /** the client used TLS */
    secure: boolean;
  };
  receivedAt: string;
}

/** clamd's answer. `unscanned` means not scanned (down, timeout, size or heuristic limits): never "clean". */
export type AntivirusVerdict = { kind: 'clean' } | { kind: 'infected'; signature: string } | { kind: 'unscanned'; reason: string };

/** rspamd's answer; `unscanned` when rspamd could not be asked (retry later, never deliver unscored). */
export type SpamVerdict =
  { kind: 'scored'; score: number; requiredScore: number; action: string; symbols: string[] } | { kind: 'unscanned'; reason: string };

/** The trace detail of an rspamd score (worker or before the DATA reply): one shape for every reader. */
export const spamScanDetail = (v: Extract<SpamVerdict, { kind: 'scored' }>, ms: number) => ({
  scanner: 'rspamd',
  verdict: 'scored',
  score: v.score,
  required: v.requiredScore,
  action: v.action,
  symbols: v.symbols,
  ms,
});

/** What the tenant's policy makes of the verdicts, for one recipient's tenant. */
export type Decision =
  /** deliver to the INBOX with these headers prepended */
  | { action: 'deliver'; headers: Record<string, string> }
  /** deliver into the account's Junk folder */
  | { action: 'junk'; headers: Record<string, string> }
  | { action: 'quarantine'; reason: 'virus' | 'spam' | 'blocked_sender'; detail: string }
  /** only decided when the scan ran before the DATA reply */
  | { action: 'reject'; reason: string }
  /** only when the tenant chose it explicitly */
  | { action: 'discard'; reason: string };
