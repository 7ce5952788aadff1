/**
 * Search, pure: what a query's words are (for highlighting), where they occur in a body, and the result list
 * with its pages. No I/O: search_events.ts asks the server (`GET /api/search`, docs/protocol.md "Search").
 *
 * Policy:
 *  - The server does the matching; `from:name` and `in:room` (also quoted: `in:"team room"`) are its filters and
 *    are not highlighted. The other words are highlighted where they occur in a body, any case, each occurrence,
 *    also inside a longer word ("deploy" in "deployment").
 *  - Pages: newest first; the next page asks `before=<last result's message id>`. A result already listed (a
 *    page that overlaps after new messages arrived) is listed once. A new query starts a new list; an answer to an
 *    older query than the latest is dropped.
 */
import type { SearchResult } from "./protocol";

export interface HighlightSegment {
  text: string;
  match: boolean;
}

/** `from:`/`in:` filters (with an optional quoted value) and the rest. */
const FILTER = /(^|\s)(from|in):("[^"]*"?|\S*)/gi;

/** The words of a query to highlight: the query without its filters, split on spaces, quotes removed. */
export function searchTerms(query: string): string[] {
  const rest = query.replace(FILTER, " ");
  const words = rest
    .split(/\s+/)
    .map((w) => w.replace(/^["'(]+|["')]+$/g, "").replace(/^[-+]/, ""))
    .filter((w) => w.length > 0);
  return [...new Set(words.map((w) => w.toLowerCase()))];
}

/** The text cut into matched and unmatched runs (adjacent and overlapping matches merge). */
export function highlight(text: string, terms: readonly string[]): HighlightSegment[] {
  if (!text) return [];
  const lower = text.toLowerCase();
  const marks = new Array<boolean>(text.length).fill(false);
  for (const term of terms) {
    if (!term) continue;
    // toLowerCase can change a string's length (İ): then positions do not line up, so such terms are skipped.
    if (lower.length !== text.length) break;
    for (let at = lower.indexOf(term); at !== -1; at = lower.indexOf(term, at + term.length)) {
      marks.fill(true, at, at + term.length);
    }
  }
  const out: HighlightSegment[] = [];
  let start = 0;
  for (let i = 1; i <= text.length; i++) {
    if (i === text.length || marks[i] !== marks[start]) {
      out.push({ text: text.slice(start, i), match: marks[start] });
      start = i;
    }
  }
  return out;
}

/**
 * A short excerpt of a long body around its first match, so the match is visible in a result line: at most
 * `max` characters, "…" where text was cut.
 */
export function excerpt(text: string, terms: readonly string[], max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const lower = flat.toLowerCase();
  let first = -1;
  for (const t of terms) {
    const at = t ? lower.indexOf(t) : -1;
    if (at !== -1 && (first === -1 || at < first)) first = at;
  }
  const start = first <= max / 3 ? 0 : first - Math.floor(max / 3);
  const end = Math.min(flat.length, start + max);
  return `${start > 0 ? "…" : ""}${flat.slice(start, end)}${end < flat.length ? "…" : ""}`;
}

/** The search box's state: the query the results are for, the results, and whether more pages exist. */
export class SearchState {
  query = "";
  results: SearchResult[] = [];
  hasMore = false;
  /** counts queries, so a late answer to an older one is recognised */
  generation = 0;

  /** A new query: the list empties; returns the generation its answers must carry. */
  start(query: string): number {
    this.query = query;
    this.results = [];
    this.hasMore = false;
    return ++this.generation;
  }

  /** A page arrived; false when it belongs to an older query (dropped). */
  applyPage(generation: number, results: readonly SearchResult[], hasMore: boolean): boolean {
    if (generation !== this.generation) return false;
    const seen = new Set(this.results.map((r) => r.message.id));
    for (const r of results) {
      if (seen.has(r.message.id)) continue;
      seen.add(r.message.id);
      this.results.push(r);
    }
    this.hasMore = hasMore && results.length > 0;
    return true;
  }

  /** The cursor for the next page, or null when there is none. */
  nextBefore(): number | null {
    if (!this.hasMore || this.results.length === 0) return null;
    return this.results[this.results.length - 1].message.id;
  }

  clear(): void {
    this.start("");
  }
}
