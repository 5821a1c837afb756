import nodemailer from 'nodemailer';
import type { Config } from '../config';

/**
 * Final delivery into Dovecot over LMTP. LMTP answers per recipient, so the result says which
 * recipients were accepted and which were refused (and with which reply), instead of one verdict.
 */
export interface LmtpResult {
  accepted: string[];
  rejected: Array<{ recipient: string; response: string; code?: number }>;
}

export async function deliverLmtp(
  dovecot: Pick<Config['dovecot'], 'lmtpHost' | 'lmtpPort'>,
  envelope: { from: string; to: string[] },
  raw: Buffer | NodeJS.ReadableStream,
): Promise<LmtpResult> {
  const transport = nodemailer.createTransport({
    host: dovecot.lmtpHost,
    port: dovecot.lmtpPort,
    lmtp: true,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 10_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  try {
    const info = await transport.sendMail({ envelope, raw: raw as Buffer });
    const rejected = (info.rejectedErrors ?? []).map((e: { recipient?: string; response?: string; responseCode?: number }) => ({
      recipient: String(e.recipient ?? ''),
      response: String(e.response ?? ''),
      code: e.responseCode,
    }));
    return { accepted: (info.accepted as string[]).map(String), rejected };
  } catch (e) {
    const err = e as {
      code?: string;
      response?: string;
      responseCode?: number;
      rejected?: string[];
      rejectedErrors?: Array<{ recipient?: string; response?: string; responseCode?: number }>;
    };
    if (err.code === 'EENVELOPE' && err.rejectedErrors) {
      return {
        accepted: [],
        rejected: err.rejectedErrors.map((r) => ({
          recipient: String(r.recipient ?? ''),
          response: String(r.response ?? ''),
          code: r.responseCode,
        })),
      };
    }
    throw e;
  } finally {
    transport.close();
  }
}
