import { useState } from "preact/hooks";
import type { ChatClient } from "../client";
import { SearchIcon } from "./icons";
import { useI18n } from "./i18n_context";

/**
 * The message search field (in the sidebar). Enter searches and shows the results in place of the open room;
 * Ctrl+K or "/" anywhere focuses it (ChatScreen). `from:name` and `in:room` narrow it (the server reads them).
 */
export function SearchBox(props: {
  client: ChatClient;
  inputRef: { current: HTMLInputElement | null };
  onSearch: () => void;
}) {
  const t = useI18n();
  const [q, setQ] = useState("");
  const submit = (ev: Event) => {
    ev.preventDefault();
    if (!q.trim()) return;
    void props.client.search.run(q);
    props.onSearch();
  };
  return (
    <form class="search-box" role="search" data-testid="search-form" onSubmit={submit} aria-label={t.t("search.label")}>
      <label for="search-input" class="sr-only">
        {t.t("search.label")}
      </label>
      <input
        id="search-input"
        ref={props.inputRef}
        type="search"
        data-testid="search-input"
        placeholder={t.t("search.placeholder")}
        value={q}
        enterkeyhint="search"
        autocomplete="off"
        aria-describedby="search-hint"
        onInput={(e) => setQ(e.currentTarget.value)}
      />
      <button type="submit" class="icon-btn" data-testid="search-submit" aria-label={t.t("search.submit")} title={t.t("search.submit")}>
        <SearchIcon />
      </button>
      <p id="search-hint" class="sr-only">
        {t.t("search.hint")}
      </p>
    </form>
  );
}
