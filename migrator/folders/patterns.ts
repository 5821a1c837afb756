// Folder patterns for include/exclude, matched against the decoded folder name with its
// segments joined by "/" (whatever the server's delimiter):
//   *  any characters, "/" included      (Archive/* = everything below Archive)
//   %  any characters except "/"         (%/Old = "Old" one level down)
//   ?  one character
// INBOX (the first segment) matches case-insensitively, as IMAP defines it.

const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let src = '';
  for (const ch of pattern) {
    if (ch === '*') src += '.*';
    else if (ch === '%') src += '[^/]*';
    else if (ch === '?') src += '[^/]';
    else src += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`, 'u');
  cache.set(pattern, re);
  return re;
}

function normalizeInbox(name: string): string {
  return /^inbox(\/|$)/i.test(name) ? 'INBOX' + name.slice(5) : name;
}

export function matchesPattern(name: string, pattern: string): boolean {
  return compile(normalizeInbox(pattern)).test(normalizeInbox(name));
}

export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchesPattern(name, p));
}

/** A folder is selected when it matches an include (or includes are empty) and no exclude. */
export function isFolderSelected(name: string, include: readonly string[], exclude: readonly string[]): boolean {
  if (include.length && !matchesAny(name, include)) return false;
  return !matchesAny(name, exclude);
}
