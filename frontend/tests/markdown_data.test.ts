import { describe, expect, it } from "vitest";
import { h, render } from "preact";
import { bodyText, renderBody, type MdNode, type RenderContext } from "../src/markdown_data";
import { mdChildren } from "../src/views/Markdown";
import { ana, bo } from "./fixtures";

const ctx: RenderContext = { names: new Set(["ana", "bo", "cy"]), me: ana, mentions: [], youLabel: "you" };

/** The rendered body as a DOM tree, made as the page makes it (views/Markdown.tsx). */
function dom(body: string, c: RenderContext = ctx): HTMLDivElement {
  const div = document.createElement("div");
  render(h("div", null, ...mdChildren(renderBody(body, c))), div);
  return div.firstChild as HTMLDivElement;
}

/** The body as the page shows it, as HTML (for short exact comparisons). */
function html(body: string, c: RenderContext = ctx): string {
  return dom(body, c).innerHTML;
}

/** The tree, with text only, to check nothing but text came out of markup-looking input. */
function texts(nodes: MdNode[]): string[] {
  return nodes.flatMap((n) => (typeof n === "string" ? [n] : texts(n.children)));
}

/** Every attribute of every element: nothing may carry an event handler or a script address. */
function attributes(root: Element): string[] {
  const out: string[] = [];
  for (const el of root.querySelectorAll("*")) for (const a of el.attributes) out.push(`${a.name}=${a.value}`);
  return out;
}

describe("markdown_data", () => {
  it("plain text stays plain: no paragraph around one line", () => {
    expect(html("hello there", ctx)).toBe("hello there");
    expect(html("a < b & c", ctx)).toBe("a &lt; b &amp; c");
  });

  it("bold, italic, strike and inline code", () => {
    expect(html("**b** *i* _j_ ~~s~~ `c <x>`", ctx)).toBe(
      "<strong>b</strong> <em>i</em> <em>j</em> <s>s</s> <code>c &lt;x&gt;</code>",
    );
  });

  it("a fenced code block shows its language, escaped, and its code as text", () => {
    const div = dom("look:\n```python\nif a < b:\n    print('<b>')\n```");
    expect(div.querySelector("[data-testid=code-lang]")?.textContent).toBe("python");
    expect(div.querySelector("pre code")?.textContent).toBe("if a < b:\n    print('<b>')");
    expect(div.querySelector("pre code b")).toBeNull();
    expect(div.querySelector("pre")?.getAttribute("tabindex")).toBe("0");
    expect(dom("```\nx\n```").querySelector("[data-testid=code-lang]")).toBeNull();
    expect(html('```"><img src=x onerror=alert(1)>\nx\n```', ctx)).not.toContain("<img");
  });

  it("an indented code block is a code block without a language", () => {
    const div = dom("para\n\n    indented code");
    expect(div.querySelector("pre code")?.textContent).toBe("indented code");
  });

  it("quotes and lists", () => {
    const div = dom("> quoted **bold**\n\n- one\n- two\n\n1. first\n2. second");
    expect(div.querySelector("blockquote strong")?.textContent).toBe("bold");
    expect([...div.querySelectorAll("ul li")].map((li) => li.textContent)).toEqual(["one", "two"]);
    expect([...div.querySelectorAll("ol li")].map((li) => li.textContent)).toEqual(["first", "second"]);
  });

  it("a single newline is a line break", () => {
    expect(html("one\ntwo", ctx)).toBe("one<br>two");
  });

  it("bare URLs and [text](url) links open in a new tab without referrer or opener", () => {
    const div = dom("see https://example.com/a?b=1&c=2 and [docs](https://docs.example.org/x) or www.example.net");
    const links = [...div.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://example.com/a?b=1&c=2",
      "https://docs.example.org/x",
      "http://www.example.net",
    ]);
    for (const a of links) {
      expect(a.getAttribute("target")).toBe("_blank");
      expect(a.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    }
    expect(links[1].textContent).toBe("docs");
  });

  it("switched-off constructs stay text: headings, rules, tables; images are not loaded", () => {
    const div = dom("# title\n\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![pic](https://example.com/p.png)");
    expect(div.querySelector("h1, hr, table, img")).toBeNull();
    expect(div.textContent).toContain("# title");
    // An image is never loaded: what is left is "!" and a link to its address.
    expect(div.querySelector("a")?.getAttribute("href")).toBe("https://example.com/p.png");
  });

  it("raw HTML is text: <script> and <img onerror> are inert", () => {
    for (const body of [
      "<script>window.__pwned = 1</script>",
      "<img src=x onerror=alert(1)>",
      "**<svg onload=alert(1)>**",
      "<a href=\"javascript:alert(1)\">x</a>",
      "> <iframe src=javascript:alert(1)></iframe>",
    ]) {
      const div = dom(body);
      expect(div.querySelector("script, img, svg, iframe, a")).toBeNull();
      expect(attributes(div).filter((a) => /^on|javascript:/i.test(a))).toEqual([]);
      expect(div.textContent).toContain("<");
    }
    // Not one element came out of them: the tree is their text.
    expect(renderBody("<script>window.__pwned = 1</script>", ctx)).toEqual(["<script>window.__pwned = 1</script>"]);
    expect(texts(renderBody("<img src=x onerror=alert(1)>", ctx))).toEqual(["<img src=x onerror=alert(1)>"]);
    document.body.appendChild(dom("<script>window.__pwned = 1</script>"));
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("links with other schemes are not links: javascript:, data:, vbscript:, relative", () => {
    for (const body of [
      "[x](javascript:alert(1))",
      "[x](JavaScript:alert(1))",
      "[x](  javascript:alert(1))",
      "[x](java\tscript:alert(1))",
      "[x](&#106;avascript:alert(1))",
      "[x](data:text/html;base64,PHNjcmlwdD4=)",
      "[x](vbscript:msgbox(1))",
      "[x](/api/auth/logout)",
      "javascript:alert(1)",
      "<javascript:alert(1)>",
    ]) {
      const div = dom(body);
      expect(div.querySelector("a"), body).toBeNull();
      expect(attributes(div).filter((a) => /javascript:|data:|vbscript:/i.test(a))).toEqual([]);
    }
    expect(dom("[mail](mailto:ana@example.com)").querySelector("a")?.getAttribute("href")).toBe("mailto:ana@example.com");
  });

  it("mentions work inside formatting; the reader's own is marked with a word for screen readers", () => {
    const div = dom("**hi @ana** and *@Bo* > @nobody", { ...ctx, mentions: [ana.id] });
    const self = div.querySelector("strong [data-testid=mention-self]");
    expect(self?.textContent).toBe("@ana (you)");
    expect(self?.querySelector(".sr-only")?.textContent).toBe(" (you)");
    expect(div.querySelector("em [data-testid=mention]")?.textContent).toBe("@Bo");
    expect(div.querySelectorAll(".mention")).toHaveLength(2);
    const quoted = dom("> cc @bo\n- @ana", { ...ctx, me: bo, mentions: [bo.id] });
    expect(quoted.querySelector("blockquote [data-testid=mention-self]")?.textContent).toContain("@bo");
    expect(quoted.querySelector("li [data-testid=mention]")?.textContent).toBe("@ana");
  });

  it("no mentions or emoji inside code or link text; e-mail addresses are neither links nor mentions", () => {
    const div = dom("`@ana :tada:` [@ana :tada:](https://example.com) ana@example.com");
    expect(div.querySelector("code")?.textContent).toBe("@ana :tada:");
    expect(div.querySelector("a")?.textContent).toBe("@ana :tada:");
    expect(div.querySelectorAll(".mention")).toHaveLength(0);
    expect(div.querySelectorAll("a")).toHaveLength(1);
  });

  it("the protocol's emoji shortcodes become their emoji, in formatting too; unknown ones stay", () => {
    expect(html("ship it :rocket: **:TADA:** :nope:", ctx)).toBe("ship it \u{1F680} <strong>\u{1F389}</strong> :nope:");
  });

  it("the translated 'you' is text like everything else", () => {
    const div = dom("@ana", { ...ctx, mentions: [ana.id], youLabel: "<b>du</b>" });
    expect(div.querySelector("b")).toBeNull();
    expect(div.querySelector(".sr-only")?.textContent).toBe(" (<b>du</b>)");
  });

  it("bodyText: one line of what a body reads once formatted, for previews", () => {
    expect(bodyText("**Plan** for `deploy`:\n```python\nprint('<b>')\n```\n> quoted\n\n- one\n- two")).toBe(
      "Plan for deploy: print('<b>') quoted one two",
    );
    expect(bodyText("see [the guide](https://example.org) @ana :tada:")).toBe("see the guide @ana :tada:");
    expect(bodyText("")).toBe("");
  });
});
