/**
 * The service worker's routing (src/sw/routes.ts): API and WebSocket traffic is never answered or stored by the
 * worker, whatever the request looks like; pages get the app shell; hashed assets come from the cache.
 */
import { describe, expect, it } from "vitest";
import { offlinePage } from "../src/sw/offline_page";
import { isNeverCached, mayStore, precacheList, routeFor, SHELL_URL } from "../src/sw/routes";

const ORIGIN = "https://chat.example";
const get = (path: string, mode = "cors") => ({ method: "GET", url: `${ORIGIN}${path}`, mode });

describe("routeFor", () => {
  it("never handles /api or /ws, in any mode or method", () => {
    const paths = [
      "/api",
      "/api/",
      "/api/me",
      "/api/rooms/1/messages?before=5",
      "/api/health",
      "/ws",
      "/ws?x=1",
      "/ws/",
      "/api/../api/me", // normalised by URL to /api/me
    ];
    for (const path of paths) {
      for (const mode of ["cors", "navigate", "same-origin", "no-cors", "websocket"]) {
        for (const method of ["GET", "POST", "HEAD"]) {
          expect(routeFor({ method, url: `${ORIGIN}${path}`, mode }, ORIGIN), `${method} ${path} ${mode}`).toBe("passthrough");
        }
      }
    }
    expect(routeFor(get("/ws", "navigate"), ORIGIN)).toBe("passthrough");
    // The WebSocket's own scheme is not even ours to look at.
    expect(routeFor({ method: "GET", url: "wss://chat.example/ws", mode: "websocket" }, ORIGIN)).toBe("passthrough");
  });

  it("leaves other methods and other origins alone", () => {
    expect(routeFor({ method: "POST", url: `${ORIGIN}/`, mode: "navigate" }, ORIGIN)).toBe("passthrough");
    expect(routeFor({ method: "GET", url: "https://cdn.example/x.js", mode: "cors" }, ORIGIN)).toBe("passthrough");
    expect(routeFor({ method: "GET", url: "not a url", mode: "cors" }, ORIGIN)).toBe("passthrough");
  });

  it("answers page loads with the app shell, assets cache-first, the rest network-first", () => {
    expect(routeFor(get("/", "navigate"), ORIGIN)).toBe("app-shell");
    expect(routeFor(get("/rooms/5", "navigate"), ORIGIN)).toBe("app-shell");
    // Paths that merely start like the API are pages.
    expect(routeFor(get("/apiary", "navigate"), ORIGIN)).toBe("app-shell");
    expect(routeFor(get("/wsx", "navigate"), ORIGIN)).toBe("app-shell");
    expect(routeFor(get("/assets/index-abc123.js"), ORIGIN)).toBe("cache-first");
    expect(routeFor(get("/icons/icon-192.png"), ORIGIN)).toBe("network-first");
    expect(routeFor(get("/manifest.webmanifest"), ORIGIN)).toBe("network-first");
  });
});

describe("mayStore", () => {
  it("stores only our complete successful responses, never API or WebSocket ones", () => {
    expect(mayStore(`${ORIGIN}/assets/a.js`, ORIGIN, 200, "basic")).toBe(true);
    expect(mayStore(`${ORIGIN}/api/me`, ORIGIN, 200, "basic")).toBe(false);
    expect(mayStore(`${ORIGIN}/api`, ORIGIN, 200, "basic")).toBe(false);
    expect(mayStore(`${ORIGIN}/ws`, ORIGIN, 200, "basic")).toBe(false);
    expect(mayStore(`${ORIGIN}/assets/a.js`, ORIGIN, 404, "basic")).toBe(false);
    expect(mayStore(`${ORIGIN}/assets/a.js`, ORIGIN, 206, "basic")).toBe(false);
    expect(mayStore(`${ORIGIN}/assets/a.js`, ORIGIN, 200, "opaque")).toBe(false);
    expect(mayStore("https://cdn.example/a.js", ORIGIN, 200, "basic")).toBe(false);
  });
});

describe("precacheList", () => {
  it("starts with the shell and drops source maps, the worker and anything under /api or /ws", () => {
    const list = precacheList(["assets/a.js", "assets/a.js.map", "/index.html", "sw.js", "icons/i.png", "api/x", "ws"]);
    expect(list).toEqual([SHELL_URL, "/assets/a.js", "/icons/i.png"]);
    expect(list.filter(isNeverCached)).toEqual([]);
  });
});

describe("offlinePage", () => {
  it("says offline in the browser's language, with no script and escaped text", () => {
    const en = offlinePage(["en-US"]);
    expect(en).toContain('<html lang="en">');
    expect(en).toContain("You are offline");
    expect(offlinePage(["zh-CN"])).toContain("你已离线");
    expect(offlinePage(["C"])).toContain("You are offline");
    expect(en).not.toMatch(/<script|style=/i);
  });
});
