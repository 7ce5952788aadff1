/**
 * The page the service worker answers a navigation with when there is neither a network nor a cached app shell
 * (the very first visit was interrupted, or the cache was cleared): "offline" in the browser's language instead
 * of the browser's own error. Pure; no script and no inline style, so the CSP has nothing to refuse.
 */
import { en } from "../i18n/en";
import { negotiateLocale } from "../i18n/locale";
import type { Catalogue } from "../i18n/translate";
import { zhCN } from "../i18n/zh-CN";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function offlinePage(languages: readonly string[]): string {
  const locale = negotiateLocale(languages);
  const cat: Catalogue = locale === "zh-CN" ? zhCN : en;
  const title = escapeHtml(cat["offline.title"]);
  return (
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Parley</title></head>` +
    `<body><main><h1>${title}</h1><p>${escapeHtml(cat["offline.body"])}</p>` +
    `<p><a href="/">${escapeHtml(cat["offline.retry"])}</a></p></main></body></html>`
  );
}
