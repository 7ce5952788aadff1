import { isLocale, LOCALE_NAMES, LOCALES } from "../i18n/locale";
import { useI18n, useLocaleControl } from "./i18n_context";

/** A labelled select of the interface languages, each named in itself; the choice is remembered (App). */
export function LanguagePicker(props: { id: string; class?: string }) {
  const t = useI18n();
  const { locale, setLocale } = useLocaleControl();
  return (
    <div class={`language-picker ${props.class ?? ""}`}>
      <label for={props.id}>{t.t("language.label")}</label>
      <select
        id={props.id}
        data-testid="language-select"
        value={locale}
        onChange={(e) => {
          const value = e.currentTarget.value;
          if (isLocale(value)) setLocale(value);
        }}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LOCALE_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
