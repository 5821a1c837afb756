// Parallel folder workers with their own connections; a dropped connection, BYE or a
// throttling answer closes them, waits (exponential backoff) and the folder starts over,
// which is safe because every folder step is idempotent.
import type { ImapFlow } from 'imapflow';
import { MigratorError, errorMessage, isRetriable, isThrottle } from '../errors';
import type { FolderPlan } from '../folders/mapping';
import { closeQuietly, openImapFlow } from '../imap/connect';
import { acquireHostSlot } from '../imap/host-limiter';
import { RawImapConnection } from '../imap/raw-append';
import { MAX_RECONNECT_ATTEMPTS, RECONNECT_BACKOFF_BASE_MS, RECONNECT_BACKOFF_MAX_MS } from '../limits';
import { type PassContext, checkAborted } from './context';

export interface WorkerConnections {
  src: ImapFlow;
  dst: ImapFlow;
  writer?: RawImapConnection;
}

export function backoffMs(attempt: number, throttled: boolean): number {
  const base = RECONNECT_BACKOFF_BASE_MS * (throttled ? 4 : 1) * 2 ** Math.max(0, attempt - 1);
  return Math.min(RECONNECT_BACKOFF_MAX_MS, base) * (0.75 + Math.random() * 0.5);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new MigratorError('MIGRATOR_ABORTED', 'migration cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `work` for every folder on up to `parallel` workers; returns per folder its value or error. */
export async function runFolders<T>(
  pc: PassContext,
  folders: readonly FolderPlan[],
  opts: { parallel: number; writer: boolean; phase: 'copy' | 'verify' },
  work: (plan: FolderPlan, conns: WorkerConnections, attempt: number) => Promise<T>,
): Promise<Map<FolderPlan, { value?: T; error?: string }>> {
  const results = new Map<FolderPlan, { value?: T; error?: string }>();
  const queue = [...folders];
  let fatal: unknown;

  const worker = async (n: number): Promise<void> => {
    let conns: WorkerConnections | undefined;
    let release: (() => void) | undefined;
    const log = pc.log.child({ worker: n });
    const close = async (): Promise<void> => {
      if (conns) await Promise.all([closeQuietly(conns.src), closeQuietly(conns.dst), conns.writer?.close()]);
      conns = undefined;
      release?.();
      release = undefined;
    };
    const open = async (): Promise<WorkerConnections> => {
      if (conns && conns.src.usable && conns.dst.usable && (!opts.writer || conns.writer?.usable)) return conns;
      await close();
      release = await acquireHostSlot(pc.source.host, pc.source.port, pc.options.maxConnectionsPerHost, pc.signal);
      const [src, dst, writer] = await Promise.all([
        openImapFlow(pc.source, log.child({ side: 'source' }), { qresync: true }),
        openImapFlow(pc.destination, log.child({ side: 'destination' })),
        opts.writer ? RawImapConnection.open(pc.destination) : Promise.resolve(undefined),
      ]);
      conns = { src, dst, writer };
      return conns;
    };
    try {
      while (queue.length && !fatal) {
        const plan = queue.shift()!;
        for (let attempt = 1; ; attempt++) {
          try {
            checkAborted(pc.signal);
            if (attempt === 1) pc.emit({ kind: 'folder', phase: opts.phase, folder: plan.sourcePath, state: 'start' });
            const c = await open();
            const value = await work(plan, c, attempt);
            results.set(plan, { value });
            pc.emit({ kind: 'folder', phase: opts.phase, folder: plan.sourcePath, state: 'done' });
            break;
          } catch (err) {
            if (
              err instanceof MigratorError &&
              (err.code === 'MIGRATOR_ABORTED' || err.code === 'MIGRATOR_AUTH_FAILED' || err.code === 'MIGRATOR_STATE')
            )
              throw err;
            if (pc.signal?.aborted) throw new MigratorError('MIGRATOR_ABORTED', 'migration cancelled');
            await close();
            if (isRetriable(err) && attempt < MAX_RECONNECT_ATTEMPTS) {
              const wait = backoffMs(attempt, isThrottle(err));
              log.warn(
                { folder: plan.sourcePath, attempt, waitMs: Math.round(wait), err: errorMessage(err) },
                'connection problem: reconnecting and continuing',
              );
              pc.emit({ kind: 'folder', phase: opts.phase, folder: plan.sourcePath, state: 'retry', detail: errorMessage(err) });
              await sleep(wait, pc.signal);
              continue;
            }
            log.error({ folder: plan.sourcePath, err: errorMessage(err) }, 'folder failed');
            results.set(plan, { error: errorMessage(err) });
            pc.emit({ kind: 'folder', phase: opts.phase, folder: plan.sourcePath, state: 'failed', detail: errorMessage(err) });
            break;
          }
        }
      }
    } catch (err) {
      fatal = fatal ?? err;
    } finally {
      await close();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel, folders.length)) }, (_, i) => worker(i + 1)));
  if (fatal) throw fatal;
  return results;
}
