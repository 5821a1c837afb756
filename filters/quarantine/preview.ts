import { convert } from 'html-to-text';
import { simpleParser } from 'mailparser';
import { MAX_PREVIEW_ATTACHMENTS, MAX_PREVIEW_TEXT_CHARS } from './limits';
import { oneLine } from './index-headers';

/**
 * A safe look at a quarantined message: its headers and its text, nothing that a browser or terminal
 * would act on. No HTML is returned: an HTML-only message is turned into plain text (scripts, styles
 * and images dropped, link targets written out as text, so nothing remote is ever fetched), and
 * attachments are named, never opened.
 */
export interface MessagePreview {
  headers: Array<{ name: string; value: string }>;
  subject: string;
  from: string;
  to: string;
  date: string | null;
  text: string;
  /** where the text came from: the text part, the HTML part turned into text, or none */
  textSource: 'text' | 'html' | 'none';
  textTruncated: boolean;
  attachments: Array<{ filename: string | null; contentType: string; sizeBytes: number }>;
  attachmentsNotListed: number;
  /** the message was too big to parse whole: headers only */
  headersOnly: boolean;
}

/** What html-to-text keeps: text and link targets as text; never scripts, styles, images or head content. */
const HTML_TO_TEXT = {
  wordwrap: 100,
  selectors: [
    { selector: 'script', format: 'skip' },
    { selector: 'style', format: 'skip' },
    { selector: 'head', format: 'skip' },
    { selector: 'img', format: 'skip' },
    { selector: 'iframe', format: 'skip' },
    { selector: 'object', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
  ],
  limits: { maxInputLength: 2_000_000, maxDepth: 100 },
};

/** Keeps line breaks and tabs; drops other control and format characters (terminal escapes, bidi overrides). */
const safeText = (s: string) => s.replace(/\r\n?/g, '\n').replace(/[^\P{Cc}\n\t]|\p{Cf}/gu, '');

export async function buildPreview(raw: Buffer, opts: { headersOnly: boolean }): Promise<MessagePreview> {
  const source = opts.headersOnly ? headerBlock(raw) : raw;
  const parsed = await simpleParser(source, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  const headers = parsed.headerLines.map((h) => ({
    name: oneLine(h.key, 200),
    value: oneLine(unfold(h.line.slice(h.line.indexOf(':') + 1)), 4000),
  }));
  let text = '';
  let textSource: MessagePreview['textSource'] = 'none';
  if (!opts.headersOnly) {
    if (parsed.text && parsed.text.trim()) {
      text = parsed.text;
      textSource = 'text';
    } else if (typeof parsed.html === 'string' && parsed.html.trim()) {
      text = convert(parsed.html, HTML_TO_TEXT);
      textSource = 'html';
    }
  }
  text = safeText(text);
  const attachments = (parsed.attachments ?? []).map((a) => ({
    filename: a.filename ? oneLine(a.filename, 255) : null,
    contentType: oneLine(a.contentType ?? 'application/octet-stream', 255),
    sizeBytes: a.size ?? a.content?.length ?? 0,
  }));
  const to = parsed.to ? (Array.isArray(parsed.to) ? parsed.to.map((t) => t.text).join(', ') : parsed.to.text) : '';
  return {
    headers,
    subject: oneLine(parsed.subject ?? ''),
    from: oneLine(parsed.from?.text ?? ''),
    to: oneLine(to),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    text: text.slice(0, MAX_PREVIEW_TEXT_CHARS),
    textSource,
    textTruncated: text.length > MAX_PREVIEW_TEXT_CHARS,
    attachments: attachments.slice(0, MAX_PREVIEW_ATTACHMENTS),
    attachmentsNotListed: Math.max(0, attachments.length - MAX_PREVIEW_ATTACHMENTS),
    headersOnly: opts.headersOnly,
  };
}

const unfold = (v: string) => v.replace(/\r?\n[ \t]+/g, ' ').trim();

function headerBlock(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const cut = end === -1 ? lf : lf === -1 ? end : Math.min(end, lf);
  return Buffer.concat([cut === -1 ? raw : raw.subarray(0, cut), Buffer.from('\r\n\r\n')]);
}
