// Builds the three pages into one static folder that the gateway serves
// (src/qrpay/web/static) and that the cloud deployment uploads to object storage.
// Asset names carry a content hash, so they can be cached forever.
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

const outDir = resolve(__dirname, "../src/qrpay/web/static");

export default defineConfig({
  base: "/",
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // The QR decoder's WebAssembly (~0.9 MB) is loaded on demand, not inlined.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: {
        pay: resolve(__dirname, "pay.html"),
        wallet: resolve(__dirname, "wallet.html"),
        dashboard: resolve(__dirname, "dashboard.html"),
      },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
