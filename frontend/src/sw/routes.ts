/**
 * What the service worker does with each request. Pure (tested in tests/sw_routes.test.ts): the worker
 * (worker.ts) only carries the decision out.
 *
 * Policy:
 *  - The API and the WebSocket are never touched: `/api`, `/api/...`, `/ws` (and anything under them) go to the
 *    network as if there were no worker, and their responses are never stored. So are non-GET requests and
 *    other origins.
 *  - A page navigation is network first, so a deploy shows at once; without a network (or after
 *    NAVIGATION_TIMEOUT_MS) the cached app shell answers, and without one of those a small "offline" page.
 *  - Hashed build files (`/assets/...`) never change under their name: cache first.
 *  - Anything else of ours (icons, manifest, favicon) is network first with the cache as the fallback.
 */

export type Route = "passthrough" | "app-shell" | "cache-first" | "network-first";

export interface RequestLike {
  method: string;
  url: string;
  /** Request.mode: "navigate" for a page load */
  mode: string;
}

/** The key the app shell (index.html) is cached under. */
export const SHELL_URL = "/index.html";

/** Paths the worker must never answer or store: the API and the WebSocket. */
export function isNeverCached(pathname: string): boolean {
  return /^\/(api|ws)(\/|$)/.test(pathname);
}

export function routeFor(req: RequestLike, origin: string): Route {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return "passthrough";
  }
  if (req.method !== "GET" || url.origin !== origin) return "passthrough";
  if (isNeverCached(url.pathname)) return "passthrough";
  if (req.mode === "navigate") return "app-shell";
  if (url.pathname.startsWith("/assets/")) return "cache-first";
  return "network-first";
}

/** Whether a response may be stored: ours, complete, successful, and never API or WebSocket traffic. */
export function mayStore(url: string, origin: string, status: number, type: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.origin === origin && !isNeverCached(parsed.pathname) && status === 200 && type === "basic";
}

/** The precache list as absolute paths: the shell first, no source maps, no worker, no duplicates. */
export function precacheList(files: readonly string[]): string[] {
  const out = new Set<string>([SHELL_URL]);
  for (const f of files) {
    const path = f.startsWith("/") ? f : `/${f}`;
    if (path.endsWith(".map") || path === "/sw.js" || isNeverCached(path)) continue;
    out.add(path);
  }
  return [...out];
}
