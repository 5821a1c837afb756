import dgram from 'node:dgram';

/**
 * A real DNS server over UDP on 127.0.0.1 for tests, answering TXT queries from a table the test edits
 * (RFC 1035 wire format, written out here: no DNS package is among the dependencies). Names not in the
 * table answer NXDOMAIN; a name in it asked for another type answers NOERROR without records. Node's
 * resolver is pointed at it with POSTWERK_DNS_SERVERS=127.0.0.1:<port> (config.dns.servers).
 */
export interface TestDnsServer {
  port: number;
  /** `127.0.0.1:<port>`, for config.dns.servers */
  address: string;
  setTxt(name: string, records: string[]): void;
  remove(name: string): void;
  /** names asked for, in order (lower case) */
  queries: string[];
  close(): Promise<void>;
}

const TYPE_TXT = 16;
const TYPE_ANY = 255;
const CLASS_IN = 1;

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  for (;;) {
    const len = msg[i];
    if (len === undefined) throw new Error('truncated question');
    if (len === 0) return { name: labels.join('.').toLowerCase(), end: i + 1 };
    if ((len & 0xc0) !== 0) throw new Error('compressed names are not expected in a question');
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
}

function txtRdata(record: string): Buffer {
  const bytes = Buffer.from(record, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
    if (bytes.length === 0) break;
  }
  return Buffer.concat(parts);
}

export function answer(query: Buffer, zone: Map<string, string[]>): Buffer {
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const records = zone.get(name);
  const rcode = records ? 0 : 3;
  const answers = records && (qtype === TYPE_TXT || qtype === TYPE_ANY) ? records : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  // QR, the query's opcode and RD, RA, authoritative
  header.writeUInt16BE(0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const rrs = answers.map((r) => {
    const rdata = txtRdata(r);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the question's name
    rr.writeUInt16BE(TYPE_TXT, 2);
    rr.writeUInt16BE(CLASS_IN, 4);
    rr.writeUInt32BE(0, 6); // TTL 0: nothing caches it
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, question, ...rrs]);
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const zone = new Map<string, string[]>();
  const queries: string[] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    try {
      queries.push(readName(msg, 12).name);
      socket.send(answer(msg, zone), rinfo.port, rinfo.address);
    } catch {
      // a malformed packet gets no answer, as from a real server that drops it
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    queries,
    setTxt: (name, records) => void zone.set(name.toLowerCase().replace(/\.$/, ''), records),
    remove: (name) => void zone.delete(name.toLowerCase().replace(/\.$/, '')),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
