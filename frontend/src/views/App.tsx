import { useEffect, useState } from "preact/hooks";
import { Api, ApiError, describeError } from "../api";
import { inviteFromLocation } from "../invite_data";
import type { Me } from "../protocol";
import { AuthScreen } from "./AuthScreen";
import { ChatScreen } from "./ChatScreen";

type Boot =
  | { kind: "loading" }
  | { kind: "anon"; message: string | null }
  | { kind: "authed"; me: Me };

const api = new Api();

/** Once used, an invite link leaves the address bar: it cannot work twice. */
function forgetInvite(): void {
  if (inviteFromLocation(window.location)) window.history.replaceState(null, "", "/");
}

export function App() {
  const [boot, setBoot] = useState<Boot>({ kind: "loading" });
  const [invite, setInvite] = useState<string | null>(() => inviteFromLocation(window.location));

  const check = () => {
    setBoot({ kind: "loading" });
    api.me().then(
      (me) => setBoot({ kind: "authed", me }),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) setBoot({ kind: "anon", message: null });
        else setBoot({ kind: "anon", message: describeError(err) });
      },
    );
  };

  useEffect(check, []);

  if (boot.kind === "loading") {
    return (
      <div class="splash" data-testid="app-loading" role="status">
        Loading Parley…
      </div>
    );
  }
  if (boot.kind === "anon") {
    return (
      <AuthScreen
        api={api}
        initialError={boot.message}
        invite={invite}
        onInviteUsed={() => {
          forgetInvite();
          setInvite(null);
        }}
        onAuthed={(me) => setBoot({ kind: "authed", me })}
      />
    );
  }
  return (
    <ChatScreen
      key={boot.me.id}
      api={api}
      me={boot.me}
      onSessionEnded={(reason) =>
        setBoot({
          kind: "anon",
          message: reason === "logout" ? null : "Your session has ended. Please log in again.",
        })
      }
    />
  );
}
