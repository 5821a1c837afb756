import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { Config } from '../../platform/config';
import { RSPAMD_LEARN_TIMEOUT_MS } from './limits';

export type LearnOutcome = { status: 'learned' } | { status: 'already_learned' } | { status: 'failed'; error: string };

/**
 * Teaches rspamd's Bayes classifier that a message was ham: POST /learnham on the controller worker
 * (not the scanner), the message as the body, the controller password when one is set. rspamd answers
 * an error when it learned this very message before ("already learned"); that is the result asked for,
 * not a failure. Never throws: learning is advice after a release that already happened.
 */
export async function learnHam(rspamd: Config['rspamdController'], file: string): Promise<LearnOutcome> {
  try {
    const res = await fetch(new URL('/learnham', rspamd.url), {
      method: 'POST',
      headers: { ...(rspamd.password ? { Password: rspamd.password } : {}), 'Content-Type': 'message/rfc822' },
      body: Readable.toWeb(fs.createReadStream(file)) as unknown as ReadableStream,
      duplex: 'half',
      signal: AbortSignal.timeout(RSPAMD_LEARN_TIMEOUT_MS),
    } as RequestInit);
    const text = await res.text();
    if (res.status === 208 || /already learned/i.test(text)) return { status: 'already_learned' };
    if (res.ok) return { status: 'learned' };
    return { status: 'failed', error: `rspamd answered ${res.status}: ${text.slice(0, 300)}` };
  } catch (e) {
    return { status: 'failed', error: (e as Error).message };
  }
}
