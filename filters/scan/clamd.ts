import fs from 'node:fs';
import type { Config } from '../../platform/config';
import type { AntivirusVerdict } from '../verdicts';
import { CLAMD_TIMEOUT_MS } from '../limits';

// clamscan ships no types
const NodeClam = require('clamscan');

interface ClamScanner {
  scanStream(
    stream: NodeJS.ReadableStream,
  ): Promise<{ isInfected: boolean | null; viruses: string[]; resultString?: string; timeout?: boolean }>;
}

/**
 * clamd's verdict on a spool file, streamed (INSTREAM through the clamscan package) straight from the
 * file. Fails closed: clamd down, a timeout, an ERROR answer (INSTREAM size limit exceeded) or a
 * heuristic limit "FOUND" (Heuristics.Limits.Exceeded) all mean `unscanned`, never clean.
 */
const LIMIT_SIGNATURE = /^Heuristics\.Limits\.Exceeded/i;

const scanners = new Map<string, Promise<ClamScanner>>();

function scannerFor(clamd: Config['clamd']): Promise<ClamScanner> {
  const key = `${clamd.host}:${clamd.port}`;
  let s = scanners.get(key);
  if (!s) {
    // bypassTest: init must not fail (and be cached as failed) because clamd is down at this moment
    s = new NodeClam().init({
      removeInfected: false,
      debugMode: false,
      scanLog: null,
      preference: 'clamdscan',
      clamscan: { active: false },
      clamdscan: { host: clamd.host, port: clamd.port, timeout: CLAMD_TIMEOUT_MS, localFallback: false, bypassTest: true, active: true },
    }) as Promise<ClamScanner>;
    s.catch(() => scanners.delete(key));
    scanners.set(key, s);
  }
  return s;
}

export async function scanWithClamd(clamd: Config['clamd'], file: string): Promise<AntivirusVerdict> {
  let stream: fs.ReadStream | undefined;
  try {
    const scanner = await scannerFor(clamd);
    stream = fs.createReadStream(file, { highWaterMark: 64 * 1024 });
    const r = await scanner.scanStream(stream);
    if (r.isInfected === false) return { kind: 'clean' };
    if (r.isInfected === true) {
      const signature = r.viruses.join(', ') || 'unknown';
      if (r.viruses.length && r.viruses.every((v) => LIMIT_SIGNATURE.test(v)))
        return { kind: 'unscanned', reason: `clamd limit: ${signature}` };
      return { kind: 'infected', signature };
    }
    return { kind: 'unscanned', reason: r.timeout ? 'clamd timed out' : `clamd answered: ${(r.resultString ?? '').slice(0, 200)}` };
  } catch (e) {
    const err = e as Error & { data?: { error?: string } };
    return { kind: 'unscanned', reason: `clamd: ${(err.data?.error ?? err.message ?? String(e)).slice(0, 200)}` };
  } finally {
    stream?.destroy();
  }
}
