/**
 * Parley's service worker: built by the `serviceWorker` plugin (plugins/service_worker.ts) into dist/sw.js as
 * one classic script, with the list of files to precache and a version derived from their contents.
 *
 * install: precache the app shell and the build's files under the version's cache; activate: drop other
 * versions' caches and take control of open pages. fetch: routes.ts decides; the API and /ws are never
 * answered or stored here.
 */
import { offlinePage } from "./offline_page";
import { mayStore, precacheList, routeFor, SHELL_URL } from "./routes";

declare const __PARLEY_PRECACHE__: string[];
declare const __PARLEY_SW_VERSION__: string;

/** A navigation that has not answered within this long is served from the cache (a stalled network is offline). */
const NAVIGATION_TIMEOUT_MS = 4_000;
const CACHE_PREFIX = "parley-";
const CACHE = `${CACHE_PREFIX}${__PARLEY_SW_VERSION__}`;

// The few parts of the service worker scope used here (the DOM lib in tsconfig has no WebWorker types).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface WorkerScope {
  readonly location: Location;
  readonly navigator: { languages?: readonly string[]; language?: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
}
const sw = self as unknown as WorkerScope;
const origin = sw.location.origin;

sw.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(precacheList(__PARLEY_PRECACHE__)))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(CACHE_PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener("fetch", (event) => {
  const req = event.request;
  const route = routeFor(req, origin);
  if (route === "passthrough") return;
  if (route === "app-shell") event.respondWith(appShell(req));
  else if (route === "cache-first") event.respondWith(cacheFirst(req));
  else event.respondWith(networkFirst(req));
});

async function store(req: Request, res: Response): Promise<void> {
  if (!mayStore(req.url, origin, res.status, res.type)) return;
  const cache = await caches.open(CACHE);
  await cache.put(req, res);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

async function appShell(req: Request): Promise<Response> {
  try {
    const res = await withTimeout(fetch(req), NAVIGATION_TIMEOUT_MS);
    // A fresh start page is the new shell (the same index.html every client-side route gets).
    if (new URL(req.url).pathname === "/" && res.ok) await store(new Request(SHELL_URL), res.clone());
    return res;
  } catch {
    const cached = await caches.match(SHELL_URL);
    if (cached) return cached;
    const langs = sw.navigator.languages?.length ? sw.navigator.languages : [sw.navigator.language ?? "en"];
    return new Response(offlinePage(langs), {
      status: 503,
      headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
}

async function cacheFirst(req: Request): Promise<Response> {
  const cached = await caches.match(req);
  if (cached) return cached;
  const res = await fetch(req);
  await store(req, res.clone());
  return res;
}

async function networkFirst(req: Request): Promise<Response> {
  try {
    const res = await fetch(req);
    await store(req, res.clone());
    return res;
  } catch (err) {
    const cached = await caches.match(req);
    if (cached) return cached;
    throw err;
  }
}
