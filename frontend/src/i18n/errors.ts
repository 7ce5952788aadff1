/**
 * Server error codes (docs/protocol.md) to messages. The server's English `message` is for logs and scripts;
 * the web app shows its own text for the stable `code`, in the user's language, and a generic text for a code
 * it does not know yet (a newer server).
 */
import { isMessageKey, msg, type Msg } from "./translate";

/** The message for an error code; `status` (HTTP) goes into the generic text of an unknown code. */
export function errorMsg(code: string, status?: number): Msg {
  const key = `error.${code}`;
  if (isMessageKey(key)) return { key };
  return status !== undefined ? msg("error.unknownStatus", { code, status }) : msg("error.unknown", { code });
}
