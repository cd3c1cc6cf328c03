import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      // The product's Worker, with the branch object's alert transport given to the tests.
      main: "./test/worker.ts",
      miniflare: {
        bindings: {
          ADMIN_TOKEN: "test-admin-token",
          // Alert channels: tests receive what the transport sends (test/outbound.ts), so these never reach a network.
          WHATSAPP_TOKEN: "test-whatsapp-token",
          WHATSAPP_PHONE_NUMBER_ID: "1098765432",
          WHATSAPP_API_URL: "http://127.0.0.1:8792/whatsapp/v21.0",
        },
      },
    }),
  ],
  test: { include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
