// Mailbox names on the wire are modified UTF-7 (RFC 3501 5.1.3); the `utf7` package does the
// encoding, this only gives it a type (it ships none).
const { imap } = require('utf7') as { imap: { encode(s: string): string; decode(s: string): string } };

/** A decoded (UTF-8) mailbox name as the server expects it in a command. */
export const encodeMailboxName = (name: string): string => imap.encode(name);
export const decodeMailboxName = (wire: string): string => imap.decode(wire);
