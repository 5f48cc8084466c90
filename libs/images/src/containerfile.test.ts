import { describe, expect, it } from 'vitest';
import { keyValues, parseContainerfile, substitute, words } from './containerfile.js';
import { IgnoreRules } from './context.js';

describe('parseContainerfile', () => {
  it('joins continuations, drops comments, keeps line numbers, flags and the exec form', () => {
    const steps = parseContainerfile('# c\nFROM busybox AS x\n\nCOPY --chown=1:2 \\\n  # inner comment\n  a b /c/\ncmd ["sh", "-c", "x"]\nRUN echo [not json\n');
    expect(steps.map((s) => [s.keyword, s.line])).toEqual([
      ['FROM', 2],
      ['COPY', 4],
      ['CMD', 7],
      ['RUN', 8],
    ]);
    expect(steps[1]).toMatchObject({ flags: { chown: '1:2' }, args: 'a b /c/' });
    expect(steps[2]?.json).toEqual(['sh', '-c', 'x']);
    expect(steps[3]?.json).toBeUndefined();
  });
});

describe('substitution and words', () => {
  const vars = new Map([
    ['A', 'one'],
    ['E', ''],
  ]);
  it.each([
    ['$A ${A}', 'one one'],
    ['${B:-dflt} ${A:-dflt} ${E:-dflt}', 'dflt one dflt'],
    ['${A:+alt}${B:+alt}', 'alt'],
    ['\\$A', '$A'],
  ])('%s', (input, want) => expect(substitute(input, vars)).toBe(want));

  it('splits quoted words and KEY=VALUE pairs', () => {
    expect(words(`a "b c" 'd e' f\\ g`)).toEqual(['a', 'b c', 'd e', 'f g']);
    expect(keyValues('A=1 B="two words"', false)).toEqual([
      ['A', '1'],
      ['B', 'two words'],
    ]);
    expect(keyValues('LEGACY some value', true)).toEqual([['LEGACY', 'some value']]);
  });
});

describe('IgnoreRules', () => {
  it('matches as .dockerignore does, the last rule winning', () => {
    const rules = IgnoreRules.parse('# c\n*.log\n!keep.log\nbuild\n**/tmp\ndocs/*.md\n');
    expect(['a.log', 'build', 'build/x/y', 'src/tmp/z', 'tmp', 'docs/a.md'].filter((p) => rules.ignored(p))).toEqual(['a.log', 'build', 'build/x/y', 'src/tmp/z', 'tmp', 'docs/a.md']);
    expect(['keep.log', 'src/a.log', 'docs/sub/a.md', 'main.ts'].some((p) => rules.ignored(p))).toBe(false);
  });
});
