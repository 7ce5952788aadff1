/**
 * Registers the service worker (sw/worker.ts, built to /sw.js) in production builds, after the page has loaded
 * so it never competes with the first paint. Same origin, scope "/": the CSP's script-src 'self' covers it.
 * A browser without service workers (or one that refuses: private mode, http on a non-local host) simply runs
 * without the offline shell.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
  });
}
