import { describe, expect, it } from "vitest";

import { uuid7 } from "../src/uuid7";

describe("uuid7", () => {
  it("has the v7 layout and the time in its first 48 bits", () => {
    const id = uuid7(0x0123_4567_89ab, (n) => new Uint8Array(n).fill(0xff));
    expect(id).toBe("01234567-89ab-7fff-bfff-ffffffffffff");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("sorts by time whatever the random bits", () => {
    const earlier = uuid7(1_700_000_000_000, (n) => new Uint8Array(n).fill(0xff));
    const later = uuid7(1_700_000_000_001, (n) => new Uint8Array(n));
    expect(earlier < later).toBe(true);
  });

  it("is a valid server client_id and differs between calls", () => {
    const a = uuid7(Date.now());
    const b = uuid7(Date.now());
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(a).not.toBe(b);
  });
});
