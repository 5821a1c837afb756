// Progress output: bars (folders, messages, bytes, rate, ETA) on a terminal, plain log lines
// otherwise (one every few seconds, and one per finished folder).
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../engine/context';

const PLAIN_INTERVAL_MS = 5000;

export interface ProgressSink {
  onEvent(e: ProgressEvent): void;
  stop(): void;
}

export function createProgress(label: string, tty: boolean, write: (line: string) => void): ProgressSink {
  let folders = 0;
  let foldersDone = 0;
  let messages = 0;
  let bytesTotal = 0;
  let msgDone = 0;
  let bytesDone = 0;
  let phase: 'copy' | 'verify' = 'copy';
  const started = Date.now();
  const mb = (n: number): string => (n / 1048576).toFixed(1);
  if (tty) {
    const multi = new cliProgress.MultiBar(
      {
        format: `${label} {phase} |{bar}| {value}/{total} {unit} {extra}`,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    const fb = multi.create(1, 0, { phase: 'folders ', unit: '', extra: '' });
    const mbBar = multi.create(1, 0, { phase: 'messages', unit: '', extra: '' });
    return {
      onEvent(e) {
        if (e.kind === 'plan') {
          phase = e.phase;
          folders = e.folders;
          foldersDone = 0;
          msgDone = 0;
          bytesDone = 0;
          messages = e.messages;
          bytesTotal = e.bytes;
          fb.setTotal(Math.max(1, folders));
          fb.update(0, { phase: `${phase} folders ` });
          mbBar.setTotal(Math.max(1, messages));
          mbBar.update(0, { phase: `${phase} messages` });
        } else if (e.kind === 'folder' && (e.state === 'done' || e.state === 'failed')) {
          fb.update(++foldersDone);
        } else if (e.kind === 'messages') {
          msgDone += e.messages;
          bytesDone += e.bytes;
          const secs = Math.max(0.001, (Date.now() - started) / 1000);
          const eta = bytesTotal && bytesDone ? Math.round(((bytesTotal - bytesDone) / bytesDone) * secs) : 0;
          if (msgDone > messages) mbBar.setTotal(msgDone);
          mbBar.update(msgDone, { extra: `${mb(bytesDone)}/${mb(bytesTotal)} MB ${(msgDone / secs).toFixed(0)} msg/s ETA ${eta}s` });
        }
      },
      stop: () => multi.stop(),
    };
  }
  let last = 0;
  return {
    onEvent(e) {
      if (e.kind === 'plan') {
        phase = e.phase;
        folders = e.folders;
        messages = e.messages;
        bytesTotal = e.bytes;
        msgDone = bytesDone = foldersDone = 0;
        write(`${label} ${phase}: ${folders} folders${messages ? `, ${messages} messages, ${mb(bytesTotal)} MB` : ''}`);
      } else if (e.kind === 'folder') {
        if (e.state === 'done' || e.state === 'failed') foldersDone++;
        if (e.state !== 'start')
          write(`${label} ${e.phase} ${e.folder}: ${e.state}${e.detail ? ` (${e.detail})` : ''} [${foldersDone}/${folders}]`);
      } else {
        msgDone += e.messages;
        bytesDone += e.bytes;
        if (Date.now() - last > PLAIN_INTERVAL_MS) {
          last = Date.now();
          const secs = (Date.now() - started) / 1000;
          write(`${label} ${phase}: ${msgDone} messages, ${mb(bytesDone)} MB, ${(msgDone / secs).toFixed(0)} msg/s`);
        }
      }
    },
    stop: () => undefined,
  };
}
