import { h, type ComponentChildren } from "preact";
import type { MdNode } from "../markdown_data";

/**
 * A formatted body (markdown_data.ts) as Preact elements. Text goes in as text nodes and attributes as the few
 * markdown_data.ts allows, so the browser never parses anything a sender wrote as HTML.
 */
export function mdChildren(nodes: readonly MdNode[]): ComponentChildren[] {
  return nodes.map((n, i) => (typeof n === "string" ? n : h(n.tag, { key: i, ...n.attrs }, ...mdChildren(n.children))));
}
