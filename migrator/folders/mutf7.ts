// Modified UTF-7 for IMAP mailbox names (RFC 3501 5.1.3).

/** Encodes a UTF-8 mailbox name into modified UTF-7. */
export function encodeMutf7(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = (): void => {
    if (!pending.length) return;
    const bytes = Buffer.alloc(pending.length * 2);
    pending.forEach((u, i) => bytes.writeUInt16BE(u, i * 2));
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) {
      flush();
      out += c === 0x26 ? '&-' : name[i];
    } else {
      pending.push(c); // UTF-16 code units, surrogate pairs included as they are
    }
  }
  flush();
  return out;
}

/** Decodes a modified UTF-7 mailbox name; malformed sequences are kept literally. */
export function decodeMutf7(name: string): string {
  return name.replace(/&([^-]*)-/g, (whole, b64: string) => {
    if (b64 === '') return '&';
    if (!/^[A-Za-z0-9+,]+$/.test(b64)) return whole;
    const bytes = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    if (bytes.length % 2) return whole;
    let s = '';
    for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode(bytes.readUInt16BE(i));
    return s;
  });
}
