import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, zh, type MessageKey } from './messages.js';

export type Lang = 'zh' | 'en';

const LANG_KEY = 'mingliang.lang';
const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { zh, en };
const LOCALES: Record<Lang, string> = { zh: 'zh-CN', en: 'en-GB' };

/** What pages get from {@link useI18n}. */
export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  /** The message in the current language, `{name}` placeholders filled from `vars`. */
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  /** The message of a key built from data (`type.${type}`), or `fallback` when the dictionary has none. */
  tKnown: (key: string, fallback: string) => string;
  /** Date and time, 24-hour, in the current locale. */
  time: (ms: number) => string;
  /** Month, day and time without the year, for dense lists. */
  shortTime: (ms: number) => string;
  /** A 0..1 fraction as a percentage, or "—" for null. */
  percent: (rate: number | null) => string;
}

function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(zh, key);
}

function initialLang(): Lang {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh';
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }): ReactNode {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(LANG_KEY, next);
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = LOCALES[lang];
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const dict = DICTIONARIES[lang];
    const timeFormat = new Intl.DateTimeFormat(LOCALES[lang], {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    const shortFormat = new Intl.DateTimeFormat(LOCALES[lang], {
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
    const t = (key: MessageKey, vars?: Record<string, string | number>): string =>
      dict[key].replace(/\{(\w+)\}/g, (whole, name: string) => {
        const v = vars?.[name];
        return v === undefined ? whole : String(v);
      });
    return {
      lang,
      setLang,
      t,
      tKnown: (key, fallback) => (isMessageKey(key) ? dict[key] : fallback),
      time: (ms) => timeFormat.format(ms),
      shortTime: (ms) => shortFormat.format(ms),
      percent: (rate) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
