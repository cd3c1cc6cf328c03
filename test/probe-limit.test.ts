/** Failed read lookups are rate limited per client address, so 404 vs 401 cannot be probed at speed. */
import { describe, expect, it } from "vitest";
import { call, provisionBranch, randomAddress, statusPath, uniqueName } from "./helpers";

const LIMIT = 30;

function from(address: string, path: string) {
  return call(path, { headers: { "CF-Connecting-IP": address } });
}

const unknownBranch = () => `/helpdesk-status/?token=whatever-token&empresa=${uniqueName()}&sucursal=nope`;

/**
 * Sends failed lookups until one is refused. The local limiter counts in fixed windows, so a
 * window boundary may reset the count once: the first LIMIT always pass, and a refusal must come
 * within 2 × LIMIT + 1 attempts.
 */
async function probeUntilLimited(address: string, path: () => string): Promise<{ attempts: number; statuses: number[] }> {
  const statuses: number[] = [];
  for (let attempt = 1; attempt <= 2 * LIMIT + 1; attempt++) {
    const response = await from(address, path());
    statuses.push(response.status);
    if (response.status === 429) return { attempts: attempt, statuses };
  }
  return { attempts: Infinity, statuses };
}

describe("probe limit on failed read lookups", () => {
  it("answers 429 with Retry-After once an address has failed too many lookups", async () => {
    const address = randomAddress();
    const { attempts, statuses } = await probeUntilLimited(address, unknownBranch);
    expect(attempts).toBeGreaterThan(LIMIT);
    expect(attempts).toBeLessThanOrEqual(2 * LIMIT + 1);
    expect(new Set(statuses.slice(0, LIMIT))).toEqual(new Set([404]));
    const refused = await from(address, unknownBranch());
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(await refused.json()).toEqual({ message: "Demasiadas solicitudes, intente de nuevo en 60 segundos" });
  });

  it("once limited, an unknown branch and a wrong token look the same", async () => {
    const branch = await provisionBranch();
    const address = randomAddress();
    await probeUntilLimited(address, unknownBranch);
    expect((await from(address, unknownBranch())).status).toBe(429);
    expect((await from(address, statusPath({ ...branch, token: "wrong-token-wrong-token" }))).status).toBe(429);
  });

  it("counts wrong tokens as well as unknown branches", async () => {
    const branch = await provisionBranch();
    const { attempts, statuses } = await probeUntilLimited(randomAddress(), () => statusPath({ ...branch, token: uniqueName("bad") }));
    expect(attempts).toBeLessThanOrEqual(2 * LIMIT + 1);
    expect(new Set(statuses.slice(0, LIMIT))).toEqual(new Set([401]));
  });

  it("still serves a valid token from a limited address", async () => {
    const branch = await provisionBranch();
    const address = randomAddress();
    await probeUntilLimited(address, unknownBranch);
    expect((await from(address, statusPath(branch))).status).toBe(200);
  });

  it("never counts successful reads", async () => {
    const branch = await provisionBranch();
    const address = randomAddress();
    for (let i = 0; i < LIMIT + 5; i++) expect((await from(address, statusPath(branch))).status).toBe(200);
  });

  it("keeps the budget of one address apart from another's", async () => {
    const limited = randomAddress();
    await probeUntilLimited(limited, unknownBranch);
    expect((await from(limited, unknownBranch())).status).toBe(429);
    expect((await from(randomAddress(), unknownBranch())).status).toBe(404);
  });

  it("does not count malformed requests, which reveal nothing", async () => {
    const address = randomAddress();
    for (let i = 0; i < LIMIT + 5; i++) {
      expect((await from(address, `/helpdesk-status/?token=x&empresa=../etc&sucursal=b`)).status).toBe(400);
    }
    expect((await from(address, unknownBranch())).status).toBe(404);
  });
});
