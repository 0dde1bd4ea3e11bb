import { describe, expect, it } from 'vitest';
import {
  escapeJsonString,
  parseTemplate,
  renderTemplate,
  TemplateError,
} from '../../src/packages/mustache.js';

const render = (template: string, view: Record<string, unknown>): string =>
  renderTemplate(template, view).text;

describe('mustache subset', () => {
  it('substitutes variables, looking dotted names up through nested objects', () => {
    const view = { kafka: { app: { cpus: 0.5, 'heap-mb': 512 }, name: 'k' } };
    expect(
      render('{"cpus": {{kafka.app.cpus}}, "heap": "{{ kafka.app.heap-mb }}m", "n": "{{kafka.name}}"}', view),
    ).toBe('{"cpus": 0.5, "heap": "512m", "n": "k"}');
  });

  it('escapes {{var}} for a JSON string and leaves {{{var}}} and {{& var}} as they are', () => {
    const view = { v: 'say "hi"\\ \n now' };
    expect(render('"{{v}}"', view)).toBe('"say \\"hi\\"\\\\ \\n now"');
    expect(JSON.parse(render('"{{v}}"', view))).toBe(view.v);
    expect(render('{{{v}}}|{{& v}}', view)).toBe(`${view.v}|${view.v}`);
    expect(escapeJsonString('a\tb')).toBe('a\\tb');
  });

  it('writes objects and arrays as JSON', () => {
    const view = { env: { A: '1' }, list: [1, 2] };
    expect(JSON.parse(render('{"env": {{{env}}}, "list": {{{list}}}}', view))).toEqual(view);
  });

  it('renders missing names as empty and reports them', () => {
    expect(renderTemplate('[{{a.b}}] [{{c}}] [{{d}}]', { a: {}, d: 0 })).toEqual({
      text: '[] [] [0]',
      missing: ['a.b', 'c'],
    });
  });

  it('does not take a dotted name from an outer context once its first part is found', () => {
    // Mustache: `a.b` resolves `a` in the innermost context that has it, then descends.
    expect(render('{{#inner}}{{a.b}}{{/inner}}', { a: { b: 'outer' }, inner: { a: {} } })).toBe('');
  });

  it('renders sections for truthy values, once per array item, and skips falsy ones', () => {
    const view = { on: true, off: false, empty: [], items: [{ n: 1 }, { n: 2 }], obj: { x: 'y' }, zero: 0 };
    expect(
      render('{{#on}}yes{{/on}}{{#off}}no{{/off}}{{#empty}}no{{/empty}}{{#zero}}no{{/zero}}', view),
    ).toBe('yes');
    expect(render('{{#items}}<{{n}}>{{/items}}', view)).toBe('<1><2>');
    expect(render('{{#obj}}{{x}}{{/obj}}', view)).toBe('y');
    expect(render('{{#items}}{{#on}}{{n}}{{/on}}{{/items}}', view)).toBe('12');
    expect(render('{{#names}}{{.}},{{/names}}', { names: ['a', 'b'] })).toBe('a,b,');
  });

  it('renders inverted sections for falsy values only', () => {
    const view = { on: true, off: false, empty: [], missing: undefined };
    expect(
      render('{{^on}}A{{/on}}{{^off}}B{{/off}}{{^empty}}C{{/empty}}{{^missing}}D{{/missing}}', view),
    ).toBe('BCD');
  });

  it('drops comments', () => {
    expect(render('a{{! a comment }}b', {})).toBe('ab');
  });

  it('names the line of a broken tag or section', () => {
    expect(() => parseTemplate('x\n{{#a}}\n')).toThrow(
      new TemplateError("line 2: section 'a' is never closed"),
    );
    expect(() => parseTemplate('{{#a}}{{/b}}')).toThrow(
      "line 1: '{{/b}}' closes section 'a' opened at line 1",
    );
    expect(() => parseTemplate('{{/b}}')).toThrow("'{{/b}}' closes no open section");
    expect(() => parseTemplate('\n\n{{a')).toThrow("line 3: '{{' is never closed");
    expect(() => parseTemplate('{{}}')).toThrow('a tag without a name');
  });
});
