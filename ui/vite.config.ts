/// <reference types="vitest/config" />
import { defineConfig, type ProxyOptions } from "vite";
import react from "@vitejs/plugin-react";

// In development, `npm run dev` proxies API calls to a running core
// (VOICEBOX_CORE_URL, default http://127.0.0.1:17493; the Host header is rewritten so the
// core's Host allow-list accepts it). In production the core
// serves ui/dist itself, so every request is same-origin.
const core = process.env.VOICEBOX_CORE_URL ?? "http://127.0.0.1:17493";
const apiPrefixes = [
  "/health", "/profiles", "/samples", "/generate", "/generations", "/history",
  "/audio", "/transcribe", "/events", "/providers", "/models", "/settings", "/v1", "/tasks",
  "/presets", "/describe",
];

// The core refuses state-changing requests from another origin (CSRF). A request that the UI's
// own page sends through this proxy (Sec-Fetch-Site: same-origin) is presented with the
// core's origin; one from any other site keeps its Origin and is refused.
const presentAsCore: ProxyOptions["configure"] = (proxy) => {
  proxy.on("proxyReq", (outgoing, incoming) => {
    if (incoming.headers.origin && incoming.headers["sec-fetch-site"] === "same-origin") {
      outgoing.setHeader("origin", new URL(core).origin);
    }
  });
};

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(
      apiPrefixes.map((p) => [p, { target: core, changeOrigin: true, configure: presentAsCore }]),
    ),
  },
  build: {
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes("wavesurfer")) return "wavesurfer";
          return undefined;
        },
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}", "scripts/**/*.test.{ts,mjs}"],
    restoreMocks: true,
    unstubGlobals: true,
    testTimeout: 20_000,
    pool: "threads",
    // Reuse one jsdom per worker across files: halves the run on 2 shared cores. Every test
    // resets what it touches (fetch stubs, the store, localStorage, the DOM).
    isolate: false,
    maxWorkers: 2,
  },
});
