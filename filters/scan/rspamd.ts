import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { SpamVerdict, SpooledMessage } from '../verdicts';
import { RSPAMD_TIMEOUT_MS } from '../limits';

/**
 * rspamd's score of a spool file: POST /checkv2 with the message streamed from the file and the
 * envelope in rspamd's request headers (IP, Helo, From, one Rcpt per recipient, Queue-Id), so that its
 * rules see what the SMTP session saw. Anything but a parsed answer is `unscanned` (retried later).
 * `deadlineMs` bounds the whole request (connect, upload, answer), for the scan before the DATA reply.
 */
export async function scoreWithRspamd(
  baseUrl: string,
  message: SpooledMessage,
  /** `user`: the authenticated sender of a submitted message (rspamd then scores it as outbound mail) */
  opts: { deadlineMs?: number; user?: string } = {},
): Promise<SpamVerdict> {
  const url = new URL('/checkv2', baseUrl);
  const headers: http.OutgoingHttpHeaders = {
    'Content-Length': String(message.sizeBytes),
    'Queue-Id': message.queueId,
    IP: message.envelope.clientAddress.replace(/^::ffff:/, ''),
    Helo: message.envelope.heloName || 'unknown',
    From: message.envelope.mailFrom || '<>',
    Rcpt: message.envelope.rcptTo,
    Pass: 'all',
    ...(opts.user ? { User: opts.user } : {}),
  };
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: 'POST', headers, timeout: RSPAMD_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            else resolve(text);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      // a deadline for the whole exchange (the scan before the DATA reply), not only an idle socket
      if (opts.deadlineMs !== undefined) {
        const timer = setTimeout(() => req.destroy(new Error(`no answer within ${opts.deadlineMs} ms`)), opts.deadlineMs);
        req.on('close', () => clearTimeout(timer));
      }
      req.on('error', reject);
      const file = fs.createReadStream(message.path, { highWaterMark: 64 * 1024 });
      file.on('error', (e) => req.destroy(e));
      file.pipe(req);
    });
    const answer = JSON.parse(body) as { score?: number; required_score?: number; action?: string; symbols?: Record<string, unknown> };
    if (typeof answer.score !== 'number' || typeof answer.action !== 'string')
      return { kind: 'unscanned', reason: 'rspamd: unexpected answer' };
    return {
      kind: 'scored',
      score: answer.score,
      requiredScore: typeof answer.required_score === 'number' ? answer.required_score : 15,
      action: answer.action,
      symbols: Object.keys(answer.symbols ?? {}).sort(),
    };
  } catch (e) {
    return { kind: 'unscanned', reason: `rspamd: ${(e as Error).message.slice(0, 200)}` };
  }
}
