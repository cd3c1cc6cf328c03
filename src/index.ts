/**
 * The Worker: mounts one router per resource and turns every failure into the API's JSON error
 * (docs/guia-api.md#errores). It also exports the branch Durable Object class for the runtime.
 */
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app-env";
import { ApiError, MESSAGES } from "./errors";
import { securityHeaders } from "./http/security-headers";
import { healthRoute, openApiDocument, openApiRoute } from "./openapi";
import { admin } from "./routes/admin";
import { company } from "./routes/company";
import { companyLive } from "./routes/company-live";
import { docs } from "./routes/docs";
import { events } from "./routes/events";
import { live } from "./routes/live";
import { monitor } from "./routes/monitor";
import { panel } from "./routes/panel";
import { createRouter } from "./routes/router";
import { status } from "./routes/status";

export { Branch } from "./branch/branch";
export { Company } from "./company/company";

const app = createRouter<AppEnv>({ strict: false });

app.use("*", securityHeaders);

app.openapi(healthRoute, (c) => c.json({ ok: true as const }, 200));
app.openapi(openApiRoute, (c) => c.json(openApiDocument(app), 200));
app.route("/docs", docs);
// Before the status router, so its CORS middleware never touches the 101 response.
app.route("/helpdesk-status/ws", live);
app.route("/helpdesk-status/empresa/ws", companyLive);
app.route("/helpdesk-status/empresa", company);
app.route("/helpdesk-status", status);
app.route("/monitor", monitor);
app.route("/panel", panel);
app.route("/v1/admin", admin);
app.route("/v1", events);

app.notFound((c) => c.json({ message: MESSAGES.notFound }, 404));

app.onError((error, c) => {
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    return c.json(error.body(), error.status);
  }
  if (error instanceof HTTPException && error.status < 500) {
    return c.json({ message: error.message || MESSAGES.invalidBody }, error.status);
  }
  // Only the error's kind and message: request data (tokens among it) is never logged.
  console.error("unhandled error", error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown");
  return c.json({ message: MESSAGES.internal }, 500);
});

export default app;
