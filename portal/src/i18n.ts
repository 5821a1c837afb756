// English and German. The language comes from the person's choice (kept in localStorage), else from
// the browser's languages; the switch in the header changes it at once. Every text of the portal is a
// key of messages.json, as [English, German] side by side, so that a missing translation shows in review.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import M from './messages.json';

export type Lang = 'en' | 'de';
export const LANGS: Lang[] = ['en', 'de'];

export type MessageKey = keyof typeof M;
export const hasMessage = (key: string): key is MessageKey => key in M;

export function pickLang(stored: string | null, browser: readonly string[]): Lang {
  if (stored === 'en' || stored === 'de') return stored;
  for (const l of browser) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

export function translate(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text: string = M[key][lang === 'de' ? 1 : 0];
  return text.replace(/\{(\w+)\}/g, (_m, k: string) => (k in vars ? String(vars[k]) : `{${k}}`));
}

export interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  bytes(n: number | null | undefined): string;
  date(iso: string | null | undefined, opts?: Intl.DateTimeFormatOptions): string;
  num(n: number): string;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function makeI18n(lang: Lang, setLang: (l: Lang) => void): I18n {
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  return {
    lang,
    setLang,
    t: (key, vars) => translate(lang, key, vars),
    bytes(n) {
      if (n === null || n === undefined) return '–';
      let v = Math.abs(n);
      let u = 0;
      while (v >= 1024 && u < UNITS.length - 1) {
        v /= 1024;
        u++;
      }
      return `${n < 0 ? '−' : ''}${nf.format(v)} ${UNITS[u]}`;
    },
    date(iso, opts = { dateStyle: 'medium', timeStyle: 'short' }) {
      if (!iso) return '–';
      return new Intl.DateTimeFormat(locale, opts).format(new Date(iso));
    },
    num: (n) => nf.format(n),
  };
}

export const I18nContext = createContext<I18n>(makeI18n('en', () => undefined));
export const useI18n = () => useContext(I18nContext);
