/**
 * Reads a JSON request body under the ingest API's rules, in their order (docs/integracion.md#errores):
 * content type (415), size (413, refused as soon as the limit is passed, without reading the
 * rest), JSON (400).
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ApiError, MESSAGES } from "../errors";

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("Content-Type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError(415, MESSAGES.unsupportedMediaType);

  const declared = Number(c.req.header("Content-Length"));
  if (declared > MAX_BODY_BYTES) throw new ApiError(413, MESSAGES.tooLarge);

  const chunks: Uint8Array[] = [];
  let size = 0;
  const body = c.req.raw.body;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new ApiError(413, MESSAGES.tooLarge);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new ApiError(400, MESSAGES.invalidJson);
  }
}

/** Route middleware: the body read as above, before the route's path is validated, left as `jsonBody`. */
export const jsonBodyReader = createMiddleware<{ Variables: { jsonBody: unknown } }>(async function jsonBodyReader(c, next) {
  c.set("jsonBody", await readJsonBody(c));
  await next();
});
