/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The console is served at /admin/ (CloudFront in AWS, the local stack by `make dev`).
// `npm run dev` serves it with hot reload and sends API, Cognito and card calls to a
// running local stack (OUTREACHPASS_API, default http://127.0.0.1:8000), so they stay
// same-origin as in production.
const api = process.env.OUTREACHPASS_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "/admin/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // CSP: script-src 'self' allows no inline script, so no modulepreload polyfill either.
    modulePreload: { polyfill: false },
    // The entry chunk is React, the router, TanStack Query and the shell (~120 KB gzipped, the
    // budget is 200); bench/bench_console.py measures what a page really loads.
    chunkSizeWarningLimit: 420,
  },
  server: {
    proxy: {
      "/api": api,
      "/_local": api,
      "/c/": api,
      "/admin/config.json": api,
      "/docs": api,
      "/openapi.json": api,
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    testTimeout: 20000,
  },
});
