import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError } from '../../platform/errors';
import { MAX_AUTODISCOVER_REQUEST_BYTES } from '../limits';
import type { ClientEndpoints, Endpoint } from './endpoints';

/**
 * Outlook's Autodiscover, the plain-old-XML flavour (POST `/autodiscover/autodiscover.xml`): the request
 * names an EMailAddress, the answer is an `outlook/responseschema/2006a` account of type email with one
 * IMAP and one SMTP protocol (Outlook takes the first of each type: implicit TLS). Parsed and built with
 * fast-xml-parser; what the client sent is never echoed unescaped.
 */
export const AUTODISCOVER_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
export const OUTLOOK_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  // values stay strings: an address like 1e5@x.test is not a number
  parseTagValue: false,
  trimValues: true,
});
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true });

const malformed = (why: string) => new AppError('malformed_xml', `the Autodiscover request is not valid: ${why}`);

/** The EMailAddress of an Autodiscover request; 400 malformed_xml naming what is wrong. */
export function parseAutodiscoverRequest(body: string): string {
  if (!body.trim()) throw malformed('the body is empty (send the Autodiscover request XML)');
  if (Buffer.byteLength(body) > MAX_AUTODISCOVER_REQUEST_BYTES)
    throw new AppError('payload_too_large', `the Autodiscover request is larger than ${MAX_AUTODISCOVER_REQUEST_BYTES} bytes`);
  // no request needs a DTD, and a DTD's entities are how XML bombs and external entities get in
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw malformed('a DOCTYPE or ENTITY declaration is not accepted');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw malformed(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  const doc = parser.parse(body) as { Autodiscover?: { Request?: { EMailAddress?: unknown } } };
  if (!doc || typeof doc !== 'object' || !('Autodiscover' in doc)) throw malformed('the root element must be Autodiscover');
  const address = doc.Autodiscover?.Request?.EMailAddress;
  if (typeof address !== 'string' || !address) throw malformed('Autodiscover/Request/EMailAddress is missing (or given more than once)');
  return address;
}

function protocol(type: 'IMAP' | 'SMTP', e: Endpoint, login: string) {
  return {
    Type: type,
    Server: e.host,
    Port: e.port,
    DomainRequired: 'off',
    LoginName: login,
    SPA: 'off',
    // Encryption wins over SSL where Outlook knows it: SSL is implicit TLS, TLS is STARTTLS
    SSL: 'on',
    Encryption: e.security === 'tls' ? 'SSL' : 'TLS',
    AuthRequired: 'on',
    ...(type === 'SMTP' ? { UsePOPAuth: 'off', SMTPLast: 'off' } : {}),
  };
}

export function autodiscoverResponseXml(address: string, endpoints: ClientEndpoints): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    Autodiscover: {
      '@_xmlns': AUTODISCOVER_RESPONSE_NS,
      Response: {
        '@_xmlns': OUTLOOK_RESPONSE_NS,
        Account: {
          AccountType: 'email',
          Action: 'settings',
          Protocol: [protocol('IMAP', endpoints.imap[0]!, address), protocol('SMTP', endpoints.submission[0]!, address)],
        },
      },
    },
  }) as string;
}
