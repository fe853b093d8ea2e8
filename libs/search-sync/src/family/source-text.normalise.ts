import { type Token, tokenizer } from 'acorn';

const CLOSING = new Set([')', ']', '}']);

/** acorn's declarations leave out the value its tokenizer gives each token (a string's content, say). */
type ValuedToken = Token & { readonly value?: unknown };

const spelling = (token: ValuedToken): string => {
  switch (token.type.label) {
    case 'string':
      // Quote style is the formatter's choice: the value is what counts.
      return JSON.stringify(token.value);
    case 'regexp': {
      const { pattern, flags } = token.value as { pattern: string; flags: string };
      return `/${pattern}/${flags}`;
    }
    case 'template':
      return JSON.stringify(token.value);
    default:
      return String(token.value ?? token.type.label);
  }
};

/**
 * A function's source text with what a formatter may change taken out: whitespace, line breaks and
 * indentation (a method nested one level deeper), comments, quote style, semicolons and trailing commas.
 * Tokens, not text: a string's or template's content is kept exactly. Text the tokenizer cannot read is
 * kept as it is.
 */
export function normalisedSource(text: string): string {
  let tokens: ValuedToken[];
  try {
    tokens = [...tokenizer(text, { ecmaVersion: 'latest', allowHashBang: false })];
  } catch {
    return text;
  }
  return tokens
    .filter((token, i) => {
      const label = token.type.label;
      if (label === ';') return false;
      return !(label === ',' && CLOSING.has(tokens[i + 1]?.type.label ?? ''));
    })
    .map(spelling)
    .join(' ');
}
