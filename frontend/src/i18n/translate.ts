/**
 * The message catalogue's types and `translate`: the one way every string of the interface is made. Pure: no
 * DOM, no storage (the language choice is in locale.ts; dates and numbers in format.ts).
 *
 * Policy:
 *  - en.ts is the source of keys; every other catalogue is typed `Catalogue`, so a missing or extra key fails
 *    `tsc`. Placeholders are `{name}`; the parameters a key needs are read from its English text, so
 *    `t("rooms.leaveTitle")` without `{room}` fails to compile too.
 *  - A plural message is an object of CLDR plural categories (`one`, `other`, ...; `other` always present),
 *    chosen with `Intl.PluralRules` for the `count` parameter, which is written with the locale's digits and
 *    separators. Chinese needs only `other`.
 *  - Views never hold text; data and action modules return a `Msg` (key + parameters) and the view translates
 *    it, so switching the language re-renders everything, errors included.
 */
import { en } from "./en";

export type PluralCategory = "zero" | "one" | "two" | "few" | "many" | "other";
export type PluralForms = Partial<Record<PluralCategory, string>> & { other: string };

type Source = typeof en;
export type MessageKey = keyof Source;

/** The shape every catalogue has: the keys of en.ts, each a text or plural forms as in English. */
export type Catalogue = { readonly [K in MessageKey]: Source[K] extends string ? string : PluralForms };

type Placeholders<S> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;
type TextsOf<V> = V extends string ? V : V[keyof V];
type ParamNames<K extends MessageKey> =
  | Placeholders<TextsOf<Source[K]>>
  | (Source[K] extends string ? never : "count");

export type ParamValue = string | number;
/** The parameters of a key, read from its English text (`count` for plural messages). */
export type ParamsOf<K extends MessageKey> = { [P in ParamNames<K>]: ParamValue };
/** `t(key)` for a key without placeholders, `t(key, {…})` for one with them. */
export type ParamArgs<K extends MessageKey> = [ParamNames<K>] extends [never] ? [] : [ParamsOf<K>];

/** A message to show, not yet in any language: what data and action modules hand to views. */
export interface Msg {
  readonly key: MessageKey;
  readonly params?: Readonly<Record<string, ParamValue>>;
}

/** Makes a `Msg` with its parameters type-checked against the English text. */
export function msg<K extends MessageKey>(key: K, ...args: ParamArgs<K>): Msg {
  return args.length ? { key, params: args[0] as Record<string, ParamValue> } : { key };
}

export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** The `{name}` placeholders of a text or of all forms of a plural message, sorted (tests compare catalogues). */
export function placeholdersOf(value: string | PluralForms): string[] {
  const texts = typeof value === "string" ? [value] : Object.values(value);
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(/\{(\w+)\}/g)) names.add(m[1]);
  return [...names].sort();
}

export interface TranslateEnv {
  catalogue: Catalogue;
  plural: Intl.PluralRules;
  number: Intl.NumberFormat;
}

/** The text of a key in a catalogue with its parameters filled in. A missing parameter stays as `{name}`. */
export function translate(env: TranslateEnv, key: MessageKey, params?: Readonly<Record<string, ParamValue>>): string {
  const entry = env.catalogue[key] as string | PluralForms | undefined;
  let text: string;
  if (entry === undefined) text = key;
  else if (typeof entry === "string") text = entry;
  else {
    const count = Number(params?.count ?? 0);
    text = entry[env.plural.select(count)] ?? entry.other;
  }
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? env.number.format(value) : value;
  });
}
