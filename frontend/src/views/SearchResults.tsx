import { useEffect, useRef } from "preact/hooks";
import type { ChatClient } from "../client";
import { roomTitle } from "../dms_data";
import type { SearchResult } from "../protocol";
import { bodyText } from "../markdown_data";
import { excerpt, highlight, searchTerms } from "../search_data";
import { CloseIcon } from "./icons";
import { useI18n } from "./i18n_context";

/**
 * Search results, in place of the open room: newest first, each with its room, author and time and the body with
 * the query's words marked (the body as plain text: Markdown's marks left out); a result is a button that opens its room at that message. "Load more" fetches the
 * next page. Escape or the close button goes back to the room (focus back to the search field).
 */
export function SearchResults(props: { client: ChatClient; onClose: () => void; onOpened: () => void }) {
  const t = useI18n();
  const { client } = props;
  const s = client.search;
  const terms = searchTerms(s.state.query);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      // A dialog over the page takes its own Escape.
      if (ev.key === "Escape" && !ev.defaultPrevented && !document.querySelector("dialog[open]")) {
        ev.preventDefault();
        props.onClose();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [props.onClose]);

  const open = (r: SearchResult) => {
    void client.search.open(r).then(() => props.onOpened());
  };

  return (
    <section class="search-results" data-testid="search-results" aria-labelledby="search-results-title" aria-busy={s.loading ? true : undefined}>
      <div class="search-results-head">
        <h2 id="search-results-title" ref={headingRef} tabIndex={-1}>
          {t.t("search.resultsFor", { query: s.state.query })}
        </h2>
        <button type="button" class="icon-btn" data-testid="search-close" aria-label={t.t("search.close")} title={t.t("search.close")} onClick={props.onClose}>
          <CloseIcon />
        </button>
      </div>
      <div class="search-results-body">
        {s.error && (
          <p class="form-error pad" role="alert" data-testid="search-error">
            {t.text(s.error)}
          </p>
        )}
        {!s.loading && !s.error && s.state.results.length === 0 && (
          <p class="muted pad" role="status" data-testid="search-empty">
            {t.t("search.none", { query: s.state.query })}
          </p>
        )}
        {s.state.results.length > 0 && (
          <ol class="search-list" aria-labelledby="search-results-title">
            {s.state.results.map((r) => (
              <li key={r.message.id}>
                <button
                  type="button"
                  class="search-result"
                  data-testid="search-result"
                  data-message-id={r.message.id}
                  data-room-id={r.message.room_id}
                  data-seq={r.message.seq}
                  onClick={() => open(r)}
                >
                  <span class="search-meta">
                    <span class="search-room" data-testid="search-result-room">
                      {r.room.kind === "dm" ? roomTitle(r.room, client.me) : `#${roomTitle(r.room, client.me)}`}
                    </span>
                    <span class="author" data-testid="search-result-author">
                      {r.message.user.username}
                    </span>
                    <time dateTime={new Date(r.message.created_at).toISOString()} data-testid="search-result-time">
                      {t.fullTimestamp(r.message.created_at)}
                    </time>
                  </span>
                  <span class="search-body" data-testid="search-result-body">
                    {highlight(excerpt(bodyText(r.message.body), terms), terms).map((seg, i) =>
                      seg.match ? <mark key={i}>{seg.text}</mark> : seg.text,
                    )}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        )}
        {s.loading && (
          <p class="muted pad center" role="status" data-testid="search-loading">
            {t.t("search.loading")}
          </p>
        )}
        {!s.loading && s.state.hasMore && (
          <div class="pad center">
            <button type="button" class="btn" data-testid="search-more" onClick={() => void client.search.more()}>
              {t.t("search.more")}
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
