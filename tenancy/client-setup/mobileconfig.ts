import { createHash } from 'node:crypto';
import plist from 'plist';
import type { ClientEndpoints } from './endpoints';

/**
 * An Apple configuration profile (`.mobileconfig`, a property list) with one mail account payload
 * (`com.apple.mail.managed`) for iOS, iPadOS and macOS: IMAP and submission over implicit TLS, the full
 * address as login. Built with the plist library, which escapes every string.
 *
 * Identifiers and UUIDs are derived from the account's id, so downloading the profile again and
 * installing it replaces the earlier one instead of adding a second account. The profile is not signed:
 * the device shows it as unverified, which is how every self-service mail profile arrives.
 */
export interface ProfileAccount {
  accountId: string;
  address: string;
  displayName: string | null;
  domain: string;
  /** given by the user for this download only; never stored */
  password?: string | undefined;
}

/** A stable UUID (RFC 4122 layout, version 5 bits) from a name: the same account gets the same UUIDs. */
function stableUuid(name: string): string {
  const h = createHash('sha256').update(`postwerk mobileconfig ${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex').toUpperCase();
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** A reverse-DNS identifier of the domain, as Apple's profiles use them. */
const reverse = (domain: string) => domain.split('.').reverse().join('.');

export function mobileconfigPlist(a: ProfileAccount, endpoints: ClientEndpoints): string {
  const imap = endpoints.imap.find((e) => e.security === 'tls') ?? endpoints.imap[0]!;
  const smtp = endpoints.submission.find((e) => e.security === 'tls') ?? endpoints.submission[0]!;
  const id = `${reverse(a.domain)}.postwerk.${a.accountId}`;
  const mail: Record<string, plist.PlistValue> = {
    PayloadType: 'com.apple.mail.managed',
    PayloadVersion: 1,
    PayloadIdentifier: `${id}.mail`,
    PayloadUUID: stableUuid(`${a.accountId} mail`),
    PayloadDisplayName: a.address,
    PayloadDescription: `Mail account ${a.address}`,
    EmailAccountDescription: a.address,
    EmailAccountName: a.displayName ?? a.address,
    EmailAccountType: 'EmailTypeIMAP',
    EmailAddress: a.address,
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerHostName: imap.host,
    IncomingMailServerPortNumber: imap.port,
    IncomingMailServerUseSSL: true,
    IncomingMailServerUsername: a.address,
    OutgoingMailServerAuthentication: 'EmailAuthPassword',
    OutgoingMailServerHostName: smtp.host,
    OutgoingMailServerPortNumber: smtp.port,
    OutgoingMailServerUseSSL: true,
    OutgoingMailServerUsername: a.address,
    OutgoingPasswordSameAsIncomingPassword: true,
    PreventMove: false,
    PreventAppSheet: false,
    SMIMEEnabled: false,
    allowMailDrop: true,
  };
  // without a password the device asks for it when the profile is installed
  if (a.password !== undefined) mail.IncomingPassword = a.password;
  return plist.build({
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: id,
    PayloadUUID: stableUuid(a.accountId),
    PayloadDisplayName: `Mail: ${a.address}`,
    PayloadDescription: `Sets up the mail account ${a.address} (IMAP ${imap.host}:${imap.port}, sending ${smtp.host}:${smtp.port})`,
    PayloadOrganization: a.domain,
    PayloadRemovalDisallowed: false,
    PayloadContent: [mail],
  });
}
