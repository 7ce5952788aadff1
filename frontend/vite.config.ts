/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { serviceWorker } from "./plugins/service_worker.ts";

// The backend (aiohttp) serves dist/ at "/" in production, same origin as /api and /ws.
// In development the vite server forwards those two paths to a locally running backend.
const backend = process.env.PARLEY_BACKEND ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [serviceWorker({ entry: "src/sw/worker.ts" })],
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  server: {
    proxy: {
      "/api": { target: backend, changeOrigin: false },
      "/ws": { target: backend, ws: true, changeOrigin: false },
    },
  },
  build: {
    outDir: "dist",
    sourcemap: true,
    // CSP-friendly: no inline module-preload polyfill script.
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "happy-dom",
    include: ["tests/**/*.test.ts"],
  },
});
