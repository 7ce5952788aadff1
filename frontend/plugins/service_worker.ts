/**
 * Vite plugin: builds src/sw/worker.ts into dist/sw.js after the app's own build, as one classic (IIFE) script
 * at the site root (a worker's scope is its folder: "/" needs /sw.js), with two constants defined:
 *  - __PARLEY_PRECACHE__: every file the build wrote (app shell, hashed assets, public files), source maps left out;
 *  - __PARLEY_SW_VERSION__: a hash of those files' names and contents, so any change makes a new cache and the
 *    browser installs the new worker (its script changes with the version).
 *
 * Hand-written rather than vite-plugin-pwa: that plugin pulls in workbox-build (a few hundred packages) for what
 * is here about 150 lines that the tests read directly.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { build, type Plugin, type ResolvedConfig } from "vite";

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

export function serviceWorker(opts: { entry: string; fileName?: string }): Plugin {
  const fileName = opts.fileName ?? "sw.js";
  let config: ResolvedConfig;
  return {
    name: "parley-service-worker",
    apply: "build",
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      const outDir = config.build.outDir;
      const files = filesUnder(outDir)
        .map((path) => relative(outDir, path).split(sep).join("/"))
        .filter((f) => !f.endsWith(".map") && f !== fileName)
        .sort();
      const hash = createHash("sha256");
      for (const f of files) hash.update(f).update("\0").update(readFileSync(join(outDir, f))).update("\0");
      const version = hash.digest("hex").slice(0, 16);
      await build({
        configFile: false,
        root: config.root,
        logLevel: "warn",
        publicDir: false,
        define: {
          __PARLEY_PRECACHE__: JSON.stringify(files.map((f) => `/${f}`)),
          __PARLEY_SW_VERSION__: JSON.stringify(version),
        },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          sourcemap: false,
          minify: true,
          lib: { entry: opts.entry, formats: ["iife"], name: "parleyServiceWorker", fileName: () => fileName },
        },
      });
    },
  };
}
