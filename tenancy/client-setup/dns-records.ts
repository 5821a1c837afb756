import type { ClientSetupSettings } from '../../platform/config';

/**
 * The DNS records a tenant publishes under its domain so that mail clients find the platform's servers
 * by themselves: RFC 6186 / RFC 8314 SRV records for IMAP and submission, the SRV record Outlook asks
 * for Autodiscover, and the autoconfig. / autodiscover. names Thunderbird and Outlook try, as CNAMEs to
 * the host that answers them (the API's public host). Names and targets are fully qualified (trailing dot).
 */
export type ClientDnsRecord =
  | { type: 'SRV'; name: string; priority: number; weight: number; port: number; target: string; value: string; purpose: string }
  | { type: 'CNAME'; name: string; target: string; value: string; purpose: string };

const fqdn = (name: string) => `${name}.`;

export function clientDnsRecords(domain: string, s: ClientSetupSettings): ClientDnsRecord[] {
  const srv = (service: string, port: number, host: string, purpose: string): ClientDnsRecord => ({
    type: 'SRV',
    name: fqdn(`${service}._tcp.${domain}`),
    priority: 0,
    weight: 1,
    port,
    target: fqdn(host),
    value: `0 1 ${port} ${fqdn(host)}`,
    purpose,
  });
  const cname = (label: string, purpose: string): ClientDnsRecord => ({
    type: 'CNAME',
    name: fqdn(`${label}.${domain}`),
    target: fqdn(s.webHost),
    value: fqdn(s.webHost),
    purpose,
  });
  return [
    srv('_imaps', s.imapsPort, s.imapHost, 'IMAP over TLS (RFC 8314)'),
    srv('_imap', s.imapPort, s.imapHost, 'IMAP with STARTTLS (RFC 6186)'),
    srv('_submissions', s.submissionsPort, s.submissionHost, 'sending over TLS (RFC 8314)'),
    srv('_submission', s.submissionPort, s.submissionHost, 'sending with STARTTLS (RFC 6186)'),
    srv('_autodiscover', s.webPort, s.webHost, 'Outlook Autodiscover'),
    cname('autoconfig', 'Thunderbird autoconfig (http://autoconfig.<domain>/mail/config-v1.1.xml)'),
    cname('autodiscover', 'Outlook Autodiscover (https://autodiscover.<domain>/autodiscover/autodiscover.xml)'),
  ];
}
