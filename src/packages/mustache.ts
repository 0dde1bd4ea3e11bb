// The subset of Mustache that Universe package templates use, for templates that render JSON:
// `{{name}}`, `{{{name}}}` / `{{& name}}`, sections `{{#name}}...{{/name}}`, inverted sections
// `{{^name}}...{{/name}}`, comments `{{! ...}}`, dotted names (`kafka.app.cpus`) and `{{.}}`.
// Pure. Two differences from HTML Mustache, because the output is JSON, not HTML:
// - `{{name}}` escapes the value for a JSON string (quotes, backslashes, control characters), not
//   for HTML, so an option holding `"` cannot break the document; `{{{name}}}` inserts it as is.
// - An object or array value is written as JSON (Mustache would write `[object Object]`), so
//   `"env": {{{app.env}}}` inserts a whole object from the options.

export class TemplateError extends Error {
  override name = 'TemplateError';
}

type Node =
  | { type: 'text'; text: string }
  | { type: 'variable'; name: string; escape: boolean }
  | { type: 'section'; name: string; inverted: boolean; children: Node[] };

interface OpenSection {
  name: string;
  inverted: boolean;
  line: number;
  children: Node[];
}

function lineAt(template: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (template.charCodeAt(i) === 10) line++;
  return line;
}

/** Parses a template into a tree; a tag left open or a section closed wrongly is a TemplateError. */
export function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: OpenSection[] = [];
  const current = (): Node[] => stack[stack.length - 1]?.children ?? root;
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open < 0) {
      current().push({ type: 'text', text: template.slice(pos) });
      break;
    }
    if (open > pos) current().push({ type: 'text', text: template.slice(pos, open) });
    const triple = template.startsWith('{{{', open);
    const closer = triple ? '}}}' : '}}';
    const close = template.indexOf(closer, open + (triple ? 3 : 2));
    const line = lineAt(template, open);
    if (close < 0) throw new TemplateError(`line ${line}: '${triple ? '{{{' : '{{'}' is never closed`);
    const inner = template.slice(open + (triple ? 3 : 2), close).trim();
    pos = close + closer.length;
    if (triple) {
      current().push({ type: 'variable', name: tagName(inner, line), escape: false });
      continue;
    }
    const sigil = inner[0];
    const rest = inner.slice(1).trim();
    switch (sigil) {
      case '!':
        break;
      case '&':
        current().push({ type: 'variable', name: tagName(rest, line), escape: false });
        break;
      case '#':
      case '^':
        stack.push({ name: tagName(rest, line), inverted: sigil === '^', line, children: [] });
        break;
      case '/': {
        const name = tagName(rest, line);
        const section = stack.pop();
        if (!section) throw new TemplateError(`line ${line}: '{{/${name}}}' closes no open section`);
        if (section.name !== name) {
          throw new TemplateError(
            `line ${line}: '{{/${name}}}' closes section '${section.name}' opened at line ${section.line}`,
          );
        }
        current().push({
          type: 'section',
          name: section.name,
          inverted: section.inverted,
          children: section.children,
        });
        break;
      }
      default:
        current().push({ type: 'variable', name: tagName(inner, line), escape: true });
    }
  }
  const unclosed = stack.pop();
  if (unclosed) {
    throw new TemplateError(`line ${unclosed.line}: section '${unclosed.name}' is never closed`);
  }
  return root;
}

function tagName(text: string, line: number): string {
  if (text === '') throw new TemplateError(`line ${line}: a tag without a name`);
  if (/[\s{}]/.test(text)) throw new TemplateError(`line ${line}: '${text}' is not a tag name`);
  return text;
}

/** Looks a name up as Mustache does: its first part in the innermost context that has it. */
function lookup(stack: unknown[], name: string): unknown {
  if (name === '.') return stack[stack.length - 1];
  const [first, ...rest] = name.split('.');
  for (let i = stack.length - 1; i >= 0; i--) {
    const ctx = stack[i];
    if (isRecord(ctx) && Object.prototype.hasOwnProperty.call(ctx, first)) {
      let value: unknown = ctx[first!];
      for (const part of rest) {
        value =
          isRecord(value) && Object.prototype.hasOwnProperty.call(value, part) ? value[part] : undefined;
      }
      return value;
    }
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Escapes for the inside of a JSON string literal. */
export function escapeJsonString(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function isFalsy(value: unknown): boolean {
  return !value || (Array.isArray(value) && value.length === 0);
}

function renderNodes(nodes: Node[], stack: unknown[], out: string[], missing: Set<string>): void {
  for (const node of nodes) {
    if (node.type === 'text') out.push(node.text);
    else if (node.type === 'variable') {
      const found = lookup(stack, node.name);
      if (found === undefined) missing.add(node.name);
      const value = text(found);
      out.push(node.escape ? escapeJsonString(value) : value);
    } else {
      const value = lookup(stack, node.name);
      if (node.inverted) {
        if (isFalsy(value)) renderNodes(node.children, stack, out, missing);
      } else if (Array.isArray(value)) {
        for (const item of value) renderNodes(node.children, [...stack, item], out, missing);
      } else if (!isFalsy(value)) {
        renderNodes(node.children, [...stack, value], out, missing);
      }
    }
  }
}

export interface Rendered {
  text: string;
  /** Variables that had no value (rendered as '', as Mustache does): the likely cause of a bad result. */
  missing: string[];
}

/** Renders `template` with `view` (the options, `resource`, ...). Missing names render as ''. */
export function renderTemplate(template: string, view: Record<string, unknown>): Rendered {
  const out: string[] = [];
  const missing = new Set<string>();
  renderNodes(parseTemplate(template), [view], out, missing);
  return { text: out.join(''), missing: [...missing] };
}
