import { XMLBuilder } from 'fast-xml-parser';
import type { ClientEndpoints, Endpoint } from './endpoints';

/**
 * Thunderbird's autoconfig document (clientConfig 1.1, the format of Mozilla's ISP database), served at
 * `/.well-known/autoconfig/mail/config-v1.1.xml` and `autoconfig.<domain>/mail/config-v1.1.xml`.
 * Built with fast-xml-parser's builder, which escapes every text and attribute value.
 */
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true });

const socketType = (e: Endpoint) => (e.security === 'tls' ? 'SSL' : 'STARTTLS');

function server(type: 'imap' | 'smtp', e: Endpoint) {
  return {
    '@_type': type,
    hostname: e.host,
    port: e.port,
    socketType: socketType(e),
    authentication: 'password-cleartext',
    // Thunderbird puts the address the user typed here: the login is the full mail address
    username: '%EMAILADDRESS%',
  };
}

export function autoconfigXml(domain: string, endpoints: ClientEndpoints): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    clientConfig: {
      '@_version': '1.1',
      emailProvider: {
        '@_id': domain,
        domain,
        displayName: domain,
        displayShortName: domain,
        incomingServer: endpoints.imap.map((e) => server('imap', e)),
        outgoingServer: endpoints.submission.map((e) => server('smtp', e)),
      },
    },
  }) as string;
}
