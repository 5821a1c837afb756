import type { ClientSetupSettings } from '../../platform/config';

/**
 * The servers a mail client is told about, from the platform's configuration (POSTWERK_PUBLIC_*): the
 * public names and ports, not where the servers listen on this machine. Implicit TLS comes first in
 * each list (RFC 8314 prefers it); STARTTLS is the fallback. Every client signs in with the full mail
 * address and its password (the login Dovecot and the submission service check).
 */
export type Security = 'tls' | 'starttls';

export interface Endpoint {
  host: string;
  port: number;
  security: Security;
}

export interface ClientEndpoints {
  imap: Endpoint[];
  submission: Endpoint[];
}

export function clientEndpoints(s: ClientSetupSettings): ClientEndpoints {
  return {
    imap: [
      { host: s.imapHost, port: s.imapsPort, security: 'tls' },
      { host: s.imapHost, port: s.imapPort, security: 'starttls' },
    ],
    submission: [
      { host: s.submissionHost, port: s.submissionsPort, security: 'tls' },
      { host: s.submissionHost, port: s.submissionPort, security: 'starttls' },
    ],
  };
}
