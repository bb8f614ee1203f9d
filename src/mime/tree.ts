/**
 * postal-mime, loaded on first use, plus the one fact it does not report: where each attachment
 * sits in the MIME tree. Mailpit addresses parts by that position (`/part/{PartID}`), so the
 * parser's attachment collection is observed per instance to note the node of each attachment
 * in the order postal-mime lists them. postal-mime keeps those methods internal; when they are
 * not there (a future version), the caller falls back to numbering attachments in list order.
 */
import type { Email, PostalMimeOptions } from "postal-mime";

/** The tree position of the attachment at the same index of `email.attachments`. */
export interface PartRecorder {
  partId: string;
}

/** What postal-mime calls a node: only the fields read here. */
interface TreeNode {
  parentNode?: TreeNode;
  childNodes: TreeNode[];
}

type PostalMimeClass = new (
  options?: PostalMimeOptions,
) => { parse(raw: Uint8Array): Promise<Email> };

let loaded: Promise<PostalMimeClass> | null = null;

function postalMime(): Promise<PostalMimeClass> {
  loaded ??= import("postal-mime").then((m) => m.default as unknown as PostalMimeClass);
  return loaded;
}

/** Parses `raw`; rejects when postal-mime does (limits exceeded). */
export async function parseTree(
  raw: Uint8Array,
  maxHeaderBytes: number,
): Promise<{ email: Email; parts: PartRecorder[] }> {
  const PostalMime = await postalMime();
  const parser = new PostalMime({
    maxHeadersSize: maxHeaderBytes,
    // Deep nesting is hostile input here, not mail a test sends: keep the recursion small.
    maxNestingDepth: 64,
    maxRfc822NestingDepth: 4,
  });
  const parts: PartRecorder[] = [];
  recordPartIds(parser as unknown as Record<string, unknown>, parts);
  const email = await parser.parse(raw);
  // A mismatch means the internals moved: no IDs rather than wrong ones.
  return { email, parts: parts.length === email.attachments.length ? parts : [] };
}

function recordPartIds(parser: Record<string, unknown>, parts: PartRecorder[]): void {
  const attach = parser.collectAttachment;
  const sub = parser.collectSubMessage;
  const list = () => parser.attachments as unknown[] | undefined;
  if (typeof attach !== "function" || typeof sub !== "function") return;
  parser.collectAttachment = function (node: TreeNode, ...rest: unknown[]) {
    const before = list()?.length ?? 0;
    attach.call(parser, node, ...rest);
    if ((list()?.length ?? 0) > before) parts.push({ partId: partIdOf(node) });
  };
  // A parsed message/rfc822 part hands its own attachments up: number them under it.
  parser.collectSubMessage = async function (node: TreeNode) {
    const before = list()?.length ?? 0;
    await sub.call(parser, node);
    const after = list()?.length ?? 0;
    const base = partIdOf(node);
    for (let i = before; i < after; i++) parts.push({ partId: `${base}.${i - before + 1}` });
  };
}

/** enmime's numbering: the root is "0", its children "1", "2", …, deeper ones "2.1". */
export function partIdOf(node: TreeNode): string {
  const path: number[] = [];
  for (let n: TreeNode | undefined = node; n?.parentNode; n = n.parentNode) {
    path.unshift(n.parentNode.childNodes.indexOf(n) + 1);
  }
  return path.length === 0 ? "0" : path.join(".");
}
