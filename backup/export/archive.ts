import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Config } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import { openLiveSource } from './live-source';
import type { ExportSource } from './source';
import { writeAccount, type AccountExportSummary, type ExportEvent, type ExportFormat } from './writer';

/**
 * One export archive: a tar stream of one or many accounts (each under its address), closed by
 * `postwerk-export.json` naming the format, the source, the time it shows and every account with its
 * counts. The archive is written to `out` as it is made; nothing is buffered beyond one tar block.
 */
export interface ExportSpec {
  format: ExportFormat;
  from: 'live' | 'backup';
  /** the time the export shows: now for a live export, the chosen point in time for a backup */
  at: string;
  accounts: Array<{ id: string; tenantId: string; address: string }>;
}

export interface ExportResult {
  format: ExportFormat;
  from: 'live' | 'backup';
  at: string;
  createdAt: string;
  accounts: AccountExportSummary[];
}

export type SourceOpener = (account: ExportSpec['accounts'][number]) => Promise<ExportSource>;

export const liveOpener =
  (deps: { config: Config; logger: Logger }): SourceOpener =>
  (account) =>
    openLiveSource(deps, account.address);

export async function writeArchive(
  spec: ExportSpec,
  open: SourceOpener,
  out: Writable,
  opts: { onEvent?: (e: ExportEvent) => void; tmpDir?: string } = {},
): Promise<ExportResult> {
  const pack = tar.pack();
  // a failure is reported by this function's promise; pipeline then destroys `out` with the error, which
  // must not become an unhandled 'error' event of the caller's stream
  out.on('error', () => undefined);
  const piped = pipeline(pack, out);
  // a failing consumer (a client that went away) must stop the producer too
  piped.catch(() => undefined);
  try {
    const result: ExportResult = { format: spec.format, from: spec.from, at: spec.at, createdAt: new Date().toISOString(), accounts: [] };
    for (const account of spec.accounts) {
      const source = await open(account);
      try {
        result.accounts.push(await writeAccount(pack, source, spec.format, opts));
      } finally {
        await source.close();
      }
    }
    const index = Buffer.from(JSON.stringify(result, null, 2) + '\n');
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name: 'postwerk-export.json', size: index.length }, index, (e) => (e ? reject(e) : resolve())),
    );
    pack.finalize();
    await piped;
    return result;
  } catch (e) {
    pack.destroy(e as Error);
    await piped.catch(() => undefined);
    throw e;
  }
}
