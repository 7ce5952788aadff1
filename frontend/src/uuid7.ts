/**
 * Time-ordered ids (UUID version 7, RFC 9562) for message client_ids.
 *
 * Why not crypto.randomUUID(): the server keeps a unique index on (user, client_id); random v4 ids land all over
 * it, so past a few million rows every insert touches a cold page. A v7 id starts with the time in milliseconds,
 * so new ids of a user go next to each other at the end of the index.
 */

/** A v7 UUID: 48 bits of Unix time in ms, the version, 12 + 62 random bits and the variant. */
export function uuid7(
  nowMs: number,
  random: (length: number) => Uint8Array = (length) => crypto.getRandomValues(new Uint8Array(length)),
): string {
  const bytes = random(16);
  let time = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
