import { XMLParser } from 'fast-xml-parser';
import { autodiscoverResponseXml, parseAutodiscoverRequest } from './autodiscover';
import { clientEndpoints } from './endpoints';

const endpoints = clientEndpoints({
  imapHost: 'imap.example.net',
  imapsPort: 993,
  imapPort: 143,
  submissionHost: 'smtp.example.net',
  submissionsPort: 465,
  submissionPort: 587,
  webHost: 'setup.example.net',
  webPort: 443,
});

describe('Autodiscover (POX)', () => {
  it('reads EMailAddress, with or without a namespace prefix', () => {
    expect(parseAutodiscoverRequest('<Autodiscover><Request><EMailAddress> a@b.test </EMailAddress></Request></Autodiscover>')).toBe(
      'a@b.test',
    );
    expect(
      parseAutodiscoverRequest(
        '<a:Autodiscover xmlns:a="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><a:Request><a:EMailAddress>1e5@b.test</a:EMailAddress></a:Request></a:Autodiscover>',
      ),
    ).toBe('1e5@b.test');
  });

  it('refuses two addresses, nested markup and declarations', () => {
    const twice =
      '<Autodiscover><Request><EMailAddress>a@b.test</EMailAddress><EMailAddress>c@d.test</EMailAddress></Request></Autodiscover>';
    expect(() => parseAutodiscoverRequest(twice)).toThrow(/EMailAddress is missing \(or given more than once\)/);
    expect(() => parseAutodiscoverRequest('<Autodiscover><Request><EMailAddress><x/></EMailAddress></Request></Autodiscover>')).toThrow(
      /EMailAddress is missing/,
    );
    expect(() =>
      parseAutodiscoverRequest(
        '<!DOCTYPE x SYSTEM "file:///etc/passwd"><Autodiscover><Request><EMailAddress>a@b.test</EMailAddress></Request></Autodiscover>',
      ),
    ).toThrow(/DOCTYPE or ENTITY/);
  });

  it('escapes what it echoes: the answer parses back to the same login', () => {
    const login = `o'neil&<x>"@b.test`;
    const text = autodiscoverResponseXml(login, endpoints);
    expect(text).not.toContain('<x>');
    const doc = new XMLParser({ removeNSPrefix: true, parseTagValue: false }).parse(text);
    const protocols = doc.Autodiscover.Response.Account.Protocol as Array<{ Type: string; LoginName: string; Port: string }>;
    expect(protocols.map((p) => [p.Type, p.Port, p.LoginName])).toEqual([
      ['IMAP', '993', login],
      ['SMTP', '465', login],
    ]);
  });
});
