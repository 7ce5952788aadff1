/**
 * Invites in the web app (docs/protocol.md "Registration and invites"): reading an invite link, what the login
 * screen offers, the admin's invite panel against a scripted fetch, and the invite dialog and its sidebar
 * button rendered for real (happy-dom).
 */
import { h, render, type ComponentChild } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { Api } from "../src/api";
import { InvitePanel, describeInvite, inviteFromLocation, inviteLink, registerOffer } from "../src/invite_data";
import type { AdminInvite, Me } from "../src/protocol";
import { AuthScreen } from "../src/views/AuthScreen";
import { InviteDialog } from "../src/views/InviteDialog";
import { Sidebar } from "../src/views/Sidebar";
import { I18n } from "../src/i18n";
import { LanguageContext } from "../src/views/i18n_context";
import { ana, fakeClient, say } from "./fixtures";

const TOKEN = "AbCdEfGhIjKlMnOpQrStUvWxYz012-_9";
const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
const apiError = (status: number, code: string, message = code) => json({ error: { code, message } }, status);

function invite(id: number, extra: Partial<AdminInvite> = {}): AdminInvite {
  return {
    id,
    state: "active",
    created_at: NOW,
    expires_at: NOW + 7 * DAY,
    created_by: ana,
    used_at: null,
    used_by: null,
    revoked_at: null,
    ...extra,
  };
}

/** A fetch answering the admin invite endpoints from a little in-memory server. */
function inviteServer(initial: AdminInvite[] = []) {
  const invites = [...initial];
  const requests: { method: string; path: string; body: unknown }[] = [];
  let next = 100;
  const fetchFn = async (url: string, init?: RequestInit): Promise<Response> => {
    const path = new URL(url, "http://x").pathname;
    const method = init?.method ?? "GET";
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : undefined;
    requests.push({ method, path, body });
    if (method === "GET" && path === "/api/admin/invites") return json({ invites });
    if (method === "POST" && path === "/api/admin/invites") {
      const made = invite(next++, { expires_at: NOW + (body as { expires_s: number }).expires_s * 1000 });
      invites.unshift(made);
      return json({ invite: made, token: `${TOKEN.slice(0, 29)}${made.id}` }, 201);
    }
    const revoke = /^\/api\/admin\/invites\/(\d+)$/.exec(path);
    if (method === "DELETE" && revoke) {
      const i = invites.findIndex((x) => x.id === Number(revoke[1]));
      if (i < 0) return apiError(404, "invite_not_found");
      invites[i] = { ...invites[i], state: "revoked", revoked_at: NOW };
      return json({ invite: invites[i] });
    }
    return apiError(404, "not_found");
  };
  return { fetchFn, requests, invites };
}

describe("invite links", () => {
  it("finds the token in /invite/TOKEN and ?invite=TOKEN", () => {
    const at = (pathname: string, search = "") => inviteFromLocation({ pathname, search });
    expect(at(`/invite/${TOKEN}`)).toBe(TOKEN);
    expect(at(`/invite/${TOKEN}/`)).toBe(TOKEN);
    expect(at("/", `?invite=${TOKEN}`)).toBe(TOKEN);
    expect(at("/", `?x=1&invite=${encodeURIComponent(` ${TOKEN} `)}`)).toBe(TOKEN);
    expect(at("/rooms", `?invite=${TOKEN}`)).toBe(TOKEN);
  });

  it("ignores anything that is not a token", () => {
    const at = (pathname: string, search = "") => inviteFromLocation({ pathname, search });
    expect(at("/")).toBeNull();
    expect(at("/invite/")).toBeNull();
    expect(at("/invite/short")).toBeNull();
    expect(at(`/invite/${TOKEN}/extra`)).toBeNull();
    expect(at(`/x/invite/${TOKEN}`)).toBeNull();
    expect(at("/invite/%E0%A4%A")).toBeNull(); // broken percent-encoding
    expect(at("/", "?invite=<script>alert(1)</script>")).toBeNull();
    expect(at("/", `?invite=${"a".repeat(65)}`)).toBeNull();
    expect(at("/", "?invite=")).toBeNull();
  });

  it("builds the link from the page's origin", () => {
    expect(inviteLink("https://chat.example.com", TOKEN)).toBe(`https://chat.example.com/invite/${TOKEN}`);
    expect(inviteLink("http://127.0.0.1:8080/", TOKEN)).toBe(`http://127.0.0.1:8080/invite/${TOKEN}`);
  });

  it("offers the registration form only where it can work", () => {
    expect(registerOffer("open", null)).toBe("form");
    expect(registerOffer("invite", TOKEN)).toBe("form");
    expect(registerOffer("invite", null)).toBe("invite-only");
    expect(registerOffer("closed", TOKEN)).toBe("closed");
    expect(registerOffer(null, null)).toBe("form");
  });

  it("describes an invite's state", () => {
    expect(say(describeInvite(invite(1), NOW))).toBe("active, 7 days left");
    expect(say(describeInvite(invite(1), NOW + 1000))).toBe("active, 7 days left");
    expect(say(describeInvite(invite(1, { expires_at: NOW + 30 * 3_600_000 }), NOW))).toBe("active, 30 h left");
    expect(say(describeInvite(invite(1, { expires_at: NOW + 5 * 3_600_000 }), NOW))).toBe("active, 5 h left");
    expect(say(describeInvite(invite(1, { expires_at: NOW + 60_000 }), NOW))).toBe("active, expires within the hour");
    expect(say(describeInvite(invite(1, { state: "used", used_by: { id: 9, username: "newbie" } }), NOW))).toBe(
      "used by newbie",
    );
    expect(say(describeInvite(invite(1, { state: "expired" }), NOW))).toBe("expired");
    expect(say(describeInvite(invite(1, { state: "revoked" }), NOW))).toBe("revoked");
  });
});

describe("the admin's invite panel", () => {
  it("loads, makes a link with the chosen expiry, copies it and revokes", async () => {
    const server = inviteServer([invite(1, { state: "used" })]);
    const copied: string[] = [];
    const panel = new InvitePanel(new Api(server.fetchFn), "https://chat.example.com", {
      writeText: async (text) => {
        copied.push(text);
      },
    });
    let changes = 0;
    panel.onChange = () => changes++;
    await panel.load();
    expect(panel.invites.map((i) => i.id)).toEqual([1]);
    expect(await panel.create(86_400)).toBe(true);
    expect(server.requests.at(-1)).toEqual({ method: "POST", path: "/api/admin/invites", body: { expires_s: 86_400 } });
    expect(panel.link).toMatch(/^https:\/\/chat\.example\.com\/invite\/[A-Za-z0-9_-]{32}$/);
    expect(panel.invites.map((i) => i.id)).toEqual([100, 1]);
    expect(await panel.copy()).toBe(true);
    expect(copied).toEqual([panel.link]);
    expect(panel.copied).toBe(true);
    expect(await panel.revoke(100)).toBe(true);
    expect(panel.invites[0].state).toBe("revoked");
    expect(panel.error).toBeNull();
    expect(changes).toBeGreaterThan(0);
  });

  it("without a clipboard, copy says no (the view selects the text instead)", async () => {
    const panel = new InvitePanel(new Api(inviteServer().fetchFn), "http://x", null);
    expect(await panel.copy()).toBe(false);
    await panel.create();
    expect(await panel.copy()).toBe(false);
    const refusing = new InvitePanel(new Api(inviteServer().fetchFn), "http://x", {
      writeText: () => Promise.reject(new Error("denied")),
    });
    await refusing.create();
    expect(await refusing.copy()).toBe(false);
    expect(refusing.copied).toBe(false);
  });

  it("shows a refusal as text and keeps what it had", async () => {
    const panel = new InvitePanel(new Api(async () => apiError(403, "forbidden")), "http://x", null);
    expect(await panel.create()).toBe(false);
    expect(say(panel.error)).toBe("Only administrators can do that.");
    expect(panel.link).toBeNull();
    expect(panel.busy).toBe(false);
  });
});

describe("the invite dialog and its button", () => {
  let root: HTMLElement | null = null;
  afterEach(() => {
    if (root) render(null, root);
    root?.remove();
    root = null;
  });
  const mount = async (vnode: ComponentChild) => {
    root = document.createElement("div");
    document.body.appendChild(root);
    // Views read their language from the context the App provides.
    const language = { i18n: new I18n("en", ["en-US"]), setLocale: () => undefined };
    await act(() => render(h(LanguageContext.Provider, { value: language }, vnode), root as HTMLElement));
    await act(async () => {
      await new Promise((r) => setTimeout(r, 0));
    });
    return root;
  };
  const settle = () =>
    act(async () => {
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
    });
  const byTestId = (el: ParentNode, id: string) => el.querySelector(`[data-testid="${id}"]`);

  it("an admin makes a link, sees it, copies it and revokes the invite", async () => {
    const server = inviteServer();
    const copied: string[] = [];
    const el = await mount(
      h(InviteDialog, {
        api: new Api(server.fetchFn),
        onClose: () => undefined,
        origin: "https://chat.example.com",
        clipboard: { writeText: async (t: string) => void copied.push(t) },
        now: () => NOW,
      }),
    );
    await settle();
    expect(el.textContent).toContain("No invites yet.");
    const expiry = byTestId(el, "invite-expiry") as HTMLSelectElement;
    expiry.value = String(30 * 86_400);
    await act(() => void expiry.dispatchEvent(new Event("change")));
    await act(() => (byTestId(el, "invite-create") as HTMLButtonElement).click());
    await settle();
    expect(server.requests.find((r) => r.method === "POST")?.body).toEqual({ expires_s: 30 * 86_400 });
    const link = (byTestId(el, "invite-link") as HTMLInputElement).value;
    expect(link).toMatch(/^https:\/\/chat\.example\.com\/invite\/[A-Za-z0-9_-]{32}$/);
    await act(() => (byTestId(el, "invite-copy") as HTMLButtonElement).click());
    await settle();
    expect(copied).toEqual([link]);
    expect(byTestId(el, "invite-copy")?.textContent).toBe("Copied");
    const items = el.querySelectorAll('[data-testid="invite-item"]');
    expect(items).toHaveLength(1);
    expect(items[0].textContent).toContain("active, 30 days left");
    await act(() => (byTestId(el, "invite-revoke") as HTMLButtonElement).click());
    await settle();
    expect(el.querySelector('[data-testid="invite-item"]')?.getAttribute("data-invite-state")).toBe("revoked");
    expect(byTestId(el, "invite-revoke")).toBeNull();
  });

  it("the sidebar offers invites to admins only", async () => {
    const noop = () => undefined;
    const sidebar = (me: Me) => {
      const { client } = fakeClient(me, async () => apiError(404, "not_found"));
      return h(Sidebar, {
        client,
        inert: false,
        closeRef: { current: null },
        onClose: noop,
        onPicked: noop,
        onCreate: noop,
        onNewDm: noop,
        onBrowse: noop,
        onChangePassword: noop,
        onInvite: noop,
        onAdmin: noop,
        adminOpen: false,
      });
    };
    let el = await mount(sidebar({ ...ana, is_admin: false }));
    expect(byTestId(el, "invite-button")).toBeNull();
    render(null, el);
    el.remove();
    let invited = 0;
    const { client } = fakeClient({ ...ana, is_admin: true }, async () => apiError(404, "not_found"));
    el = await mount(
      h(Sidebar, {
        client,
        inert: false,
        closeRef: { current: null },
        onClose: noop,
        onPicked: noop,
        onCreate: noop,
        onNewDm: noop,
        onBrowse: noop,
        onChangePassword: noop,
        onInvite: () => invited++,
        onAdmin: noop,
        adminOpen: false,
      }),
    );
    await act(() => (byTestId(el, "invite-button") as HTMLButtonElement).click());
    expect(invited).toBe(1);
  });

  const type = async (input: Element | null, value: string) => {
    const el = input as HTMLInputElement;
    el.value = value;
    await act(() => void el.dispatchEvent(new Event("input")));
  };

  it("an invite link opens registration and sends the invite with it", async () => {
    const sent: unknown[] = [];
    const fetchFn = async (url: string, init?: RequestInit) => {
      const path = new URL(url, "http://x").pathname;
      if (path === "/api/auth/registration") return json({ registration: "invite" });
      sent.push(JSON.parse(String(init?.body)));
      return json({ user: { ...ana, username: "newbie", is_admin: false } }, 201);
    };
    let used = 0;
    const authed: Me[] = [];
    const el = await mount(
      h(AuthScreen, {
        api: new Api(fetchFn),
        initialError: null,
        invite: TOKEN,
        onInviteUsed: () => used++,
        onAuthed: (me: Me) => authed.push(me),
      }),
    );
    await settle();
    expect(byTestId(el, "auth-screen")?.getAttribute("data-mode")).toBe("register");
    expect(byTestId(el, "auth-invite-note")).not.toBeNull();
    await type(byTestId(el, "auth-username"), "newbie");
    await type(byTestId(el, "auth-password"), "long enough password");
    await act(() => void (byTestId(el, "auth-form") as HTMLFormElement).dispatchEvent(new Event("submit")));
    await settle();
    expect(sent).toEqual([{ username: "newbie", password: "long enough password", invite: TOKEN }]);
    expect(used).toBe(1);
    expect(authed.map((m) => m.username)).toEqual(["newbie"]);
  });

  it("without an invite, an invite-only or closed server offers no registration form", async () => {
    for (const [mode, text] of [["invite", "invite link"], ["closed", "administrator"]] as const) {
      const el = await mount(
        h(AuthScreen, {
          api: new Api(async () => json({ registration: mode })),
          initialError: null,
          onAuthed: () => undefined,
        }),
      );
      await settle();
      expect(byTestId(el, "auth-screen")?.getAttribute("data-mode")).toBe("login");
      expect(byTestId(el, "auth-mode-toggle")).toBeNull();
      expect(byTestId(el, "auth-register-note")?.textContent).toContain(text);
      render(null, el);
      el.remove();
    }
  });
});
