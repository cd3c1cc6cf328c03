/**
 * The Worker as the tests run it (vitest.config.ts `main`): the product's, except that the branch
 * object is handed a transport that delivers its alerts to the test (test/outbound.ts), through the
 * object's constructor option instead of a reach into its fields.
 */
import { Branch as ProductBranch } from "../src/index";
import { transportOf } from "./outbound";

export * from "../src/index";
export { default } from "../src/index";

export class Branch extends ProductBranch {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, { alertTransport: transportOf(ctx.id) });
  }
}
