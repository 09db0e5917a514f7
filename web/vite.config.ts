import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build goes into the Python package, which `seglab serve` serves at `/` (never committed).
export default defineConfig({
  plugins: [react()],
  build: { outDir: "../src/seglab/server/static", emptyOutDir: true },
  server: { proxy: { "/api": "http://127.0.0.1:8420", "/infer": "http://127.0.0.1:8420" } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
