// Builds dist/sto-widget.js (one IIFE bundle, socket.io-client included) and
// dist/sto-widget.css. Usage: node build.mjs [--watch]
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const watch = process.argv.includes("--watch");

const common = {
  absWorkingDir: dirname(fileURLToPath(import.meta.url)), // works from any cwd (npm --prefix)
  bundle: true,
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  target: ["es2020", "chrome90", "firefox90", "safari15"],
  outdir: "dist",
  logLevel: "info",
};

const builds = [
  { ...common, entryPoints: { "sto-widget": "src/widget.js" }, format: "iife" },
  { ...common, entryPoints: { "sto-widget": "src/widget.css" } },
];

if (watch) {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  await Promise.all(contexts.map((ctx) => ctx.watch()));
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
