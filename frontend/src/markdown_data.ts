/**
 * Message bodies as Markdown, pure: the subset of docs/protocol.md "Message bodies" turned into HTML that is safe
 * to put into the page.
 *
 * Policy:
 *  - markdown-it with `html: false`: any `<tag>` in a body is text (escaped), never markup. Headings, tables,
 *    rules, images and reference definitions are switched off (a chat line is not a document; an image from any
 *    address would let a sender watch who reads). What stays: **bold**, *italic*, ~~strike~~, `code`, fenced and
 *    indented code blocks (the fence's language shown above it, no highlighting), > quotes, - and 1. lists,
 *    [text](url) links and bare URLs (linkify). A single newline is a line break, as people type in chat.
 *  - Links: only http:, https: and mailto: addresses (`validateLink`); anything else (javascript:, data:, vbscript:,
 *    relative paths) stays plain text. Every link opens in a new tab with rel="noopener noreferrer nofollow".
 *  - Mentions (`@name`, by the rule of mentions_data.ts) and the protocol's emoji shortcodes (`:tada:`) work in
 *    text, also inside bold, italic, quotes and lists; never inside code or a link's text.
 *  - A body that is one paragraph renders without the <p>, so a plain message is plain text in the page.
 *  - The result is a tree of elements (a fixed list of tags and attributes) and text, which the view turns into
 *    Preact elements: no HTML string is ever put into the page, so nothing a sender wrote is parsed as markup.
 */
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";
import type StateCore from "markdown-it/lib/rules_core/state_core.mjs";
import { mentionSegments } from "./mentions_data";
import { SHORTCODES, type User } from "./protocol";

export interface RenderContext {
  /** lowercased usernames of the room (members), as mentionSegments takes them */
  names: ReadonlySet<string>;
  me: User;
  /** the message's `mentions`: a mention of the reader is marked only if the server listed them */
  mentions: readonly number[];
  /** words read out after a mention of the reader ("you"), already translated */
  youLabel: string;
}

/** Schemes a link may have; everything else is rendered as the text it is. */
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
const SHORTCODE = /:[a-z0-9_+-]+:/gi;

function createParser(): MarkdownIt {
  const md = new MarkdownIt("default", { html: false, linkify: true, breaks: true, typographer: false });
  md.disable(["heading", "lheading", "table", "hr", "image", "reference", "html_block", "html_inline", "entity"]);
  md.validateLink = (url: string) => SAFE_LINK.test(url.trim());
  md.linkify.set({ fuzzyEmail: false });
  md.core.ruler.push("parley_inline", (state: StateCore) => {
    for (const block of state.tokens) {
      if (block.type === "inline" && block.children) block.children = rewriteInline(block.children, state);
    }
  });
  return md;
}

/**
 * Inline tokens after parsing: links whose address was refused lose their <a> (their text stays), and text
 * outside links is split into text, emoji and mention tokens.
 */
function rewriteInline(children: Token[], state: StateCore): Token[] {
  const out: Token[] = [];
  const env = state.env as RenderContext;
  let linkDepth = 0;
  const dropped: boolean[] = [];
  for (const tok of children) {
    if (tok.type === "link_open") {
      const ok = SAFE_LINK.test(tok.attrGet("href") ?? "");
      dropped.push(!ok);
      linkDepth++;
      if (ok) out.push(tok);
      continue;
    }
    if (tok.type === "link_close") {
      linkDepth--;
      if (!dropped.pop()) out.push(tok);
      continue;
    }
    if (tok.type !== "text" || linkDepth > 0 || !env?.me) {
      out.push(tok);
      continue;
    }
    const text = tok.content.replace(SHORTCODE, (code) => SHORTCODES[code.toLowerCase()] ?? code);
    const segments = mentionSegments({ body: text, mentions: [...env.mentions] }, env.names, env.me);
    for (const s of segments) {
      const t = new state.Token(s.mention ? "mention" : "text", "", 0);
      t.content = s.text;
      if (s.mention) t.meta = { self: s.self };
      out.push(t);
    }
  }
  return out;
}

/** An element of a formatted body: a tag from the list below, its few allowed attributes, its children. */
export interface MdElement {
  tag: string;
  attrs: Record<string, string>;
  children: MdNode[];
}
export type MdNode = string | MdElement;

/** The only elements a body can produce (markdown-it's tags for the constructs left on, and ours). */
const TAGS = new Set(["p", "strong", "em", "s", "code", "blockquote", "ul", "ol", "li", "a", "br", "pre", "div", "span"]);

let parser: MarkdownIt | null = null;

/** The body as a tree of elements and text (see the module comment); text is never parsed as markup again. */
export function renderBody(body: string, ctx: RenderContext): MdNode[] {
  parser ??= createParser();
  const tokens = parser.parse(body, { ...ctx });
  if (tokens.length === 3 && tokens[0].type === "paragraph_open" && tokens[1].type === "inline") {
    return build(tokens[1].children ?? [], ctx.youLabel);
  }
  return build(tokens, ctx.youLabel);
}

/** Block elements: their text is kept apart from the next one's in bodyText. */
const BLOCKS = new Set(["p", "li", "blockquote", "div", "pre", "br", "ul", "ol"]);

/**
 * The body as one line of plain text, as it reads once formatted (no `**`, no fences; a link is its text), for
 * search results and other one-line previews.
 */
export function bodyText(body: string): string {
  parser ??= createParser();
  const flat = (nodes: readonly MdNode[]): string =>
    nodes
      .map((n) => {
        if (typeof n === "string") return n;
        if (n.attrs.class === "code-lang") return "";
        return flat(n.children) + (BLOCKS.has(n.tag) ? " " : "");
      })
      .join("");
  return flat(build(parser.parse(body, {}), "")).replace(/\s+/g, " ").trim();
}

function el(tag: string, children: MdNode[], attrs: Record<string, string> = {}): MdElement {
  return { tag, attrs, children };
}

/** markdown-it's flat token list (open, content, close) as a tree. */
function build(tokens: readonly Token[], youLabel: string): MdNode[] {
  const root: MdNode[] = [];
  const stack: MdNode[][] = [root];
  const add = (n: MdNode) => stack[stack.length - 1].push(n);
  for (const t of tokens) {
    // Paragraphs of a tight list are hidden: their content goes straight into the <li>.
    if (t.hidden && t.nesting !== 0) continue;
    if (t.nesting === 1) {
      const node = el(TAGS.has(t.tag) ? t.tag : "span", [], attrsOf(t));
      add(node);
      stack.push(node.children);
      continue;
    }
    if (t.nesting === -1) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    switch (t.type) {
      case "inline":
        for (const n of build(t.children ?? [], youLabel)) add(n);
        break;
      case "text":
        if (t.content) add(t.content);
        break;
      case "code_inline":
        add(el("code", [t.content]));
        break;
      case "softbreak":
      case "hardbreak":
        add(el("br", []));
        break;
      case "fence":
        add(codeBlock(t.content, t.info.trim().split(/\s+/)[0] ?? ""));
        break;
      case "code_block":
        add(codeBlock(t.content, ""));
        break;
      case "mention":
        add(mention(t.content, t.meta?.self === true, youLabel));
        break;
      default:
        if (t.content) add(t.content);
    }
  }
  return root;
}

/** Attributes kept from markdown-it: a link's checked address (plus how it opens) and a list's start number. */
function attrsOf(t: Token): Record<string, string> {
  if (t.tag === "a") {
    const href = t.attrGet("href") ?? "";
    return SAFE_LINK.test(href) ? { href, target: "_blank", rel: "noopener noreferrer nofollow" } : {};
  }
  const start = t.tag === "ol" ? t.attrGet("start") : null;
  return start !== null && /^\d+$/.test(start) ? { start } : {};
}

function codeBlock(content: string, lang: string): MdElement {
  const children: MdNode[] = [];
  if (lang) children.push(el("div", [lang], { class: "code-lang", "data-testid": "code-lang" }));
  // tabindex: a code block wider than the message scrolls sideways, and keyboard users must be able to scroll it.
  children.push(el("pre", [el("code", [content.replace(/\n$/, "")])], { tabindex: "0" }));
  return el("div", children, { class: "code-block", "data-testid": "code-block" });
}

function mention(name: string, self: boolean, youLabel: string): MdElement {
  if (!self) return el("span", [name], { class: "mention", "data-testid": "mention" });
  const sr = el("span", [` (${youLabel})`], { class: "sr-only" });
  return el("span", [name, sr], { class: "mention mention-self", "data-testid": "mention-self" });
}
