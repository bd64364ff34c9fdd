/**
 * The part of ECS's cluster query language the simulator evaluates for ListContainerInstances' `filter`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-query-language.html): expressions
 * `subject operator [argument]` on `attribute:<name>` or `ec2InstanceId`, with the operators exists,
 * !exists / not_exists, ==, !=, in and not_in / !in, combined by and / &&, or / || and not / !, with
 * parentheses for precedence ("and" binds tighter than "or"). Anything else is refused, never ignored, so a
 * test cannot pass on a filter the simulator skipped.
 *
 * An instance without the attribute matches `!exists`, and none of ==, in; it matches != and not_in. The
 * documentation does not say; the engine never relies on it (it asks `!exists` itself).
 */

export interface QueryTarget {
  readonly ec2InstanceId: string;
  readonly attributes: ReadonlyMap<string, string>;
}

export type Query = (target: QueryTarget) => boolean;

export class QueryError extends Error {}

export function parseClusterQuery(expression: string): Query {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];

  // Operands joined by any of `words`: or binds looser than and, so each reads the other's operands.
  const joined = (words: readonly string[], operand: () => Query, every: boolean): Query => {
    const terms = [operand()];
    while (words.includes(peek())) {
      take();
      terms.push(operand());
    }
    if (terms.length === 1) return terms[0];
    return every ? (t) => terms.every((q) => q(t)) : (t) => terms.some((q) => q(t));
  };
  const disjunction = (): Query => joined(['or', '||'], conjunction, false);
  const conjunction = (): Query => joined(['and', '&&'], negation, true);
  const negation = (): Query => {
    if (peek() === 'not' || peek() === '!') {
      take();
      const inner = negation();
      return (t) => !inner(t);
    }
    if (peek() === '(') {
      take();
      const inner = disjunction();
      if (take() !== ')') throw new QueryError(`unbalanced parentheses in '${expression}'`);
      return inner;
    }
    return comparison();
  };
  const comparison = (): Query => {
    const subject = take();
    const operator = take();
    if (subject === undefined || operator === undefined) throw new QueryError(`incomplete expression '${expression}'`);
    const value = subjectValue(subject, expression);
    switch (operator) {
      case 'exists': return (t) => value(t) !== undefined;
      case '!exists':
      case 'not_exists': return (t) => value(t) === undefined;
      case '==':
      case 'equals': {
        const argument = literal(take(), expression);
        return (t) => value(t) === argument;
      }
      case '!=':
      case 'not_equals': {
        const argument = literal(take(), expression);
        return (t) => value(t) !== argument;
      }
      case 'in': {
        const list = argumentList(take(), expression);
        return (t) => list.includes(value(t) ?? '\u0000');
      }
      case '!in':
      case 'not_in': {
        const list = argumentList(take(), expression);
        return (t) => !list.includes(value(t) ?? '\u0000');
      }
      default: throw new QueryError(`the simulator does not evaluate the operator '${operator}' in '${expression}'`);
    }
  };

  const query = disjunction();
  if (at !== tokens.length) throw new QueryError(`unexpected '${tokens[at]}' in '${expression}'`);
  return query;
}

function subjectValue(subject: string, expression: string): (t: QueryTarget) => string | undefined {
  if (subject === 'ec2InstanceId') return (t) => t.ec2InstanceId;
  if (subject.startsWith('attribute:') && subject.length > 'attribute:'.length) {
    const name = subject.slice('attribute:'.length);
    return (t) => t.attributes.get(name);
  }
  throw new QueryError(`the simulator does not evaluate the subject '${subject}' in '${expression}'`);
}

function literal(token: string | undefined, expression: string): string {
  if (token === undefined || token.startsWith('[')) throw new QueryError(`a literal argument is missing in '${expression}'`);
  return token;
}

function argumentList(token: string | undefined, expression: string): string[] {
  if (!token?.startsWith('[')) throw new QueryError(`an argument list [a, b, ...] is missing in '${expression}'`);
  return token.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Words, parentheses, and each `[...]` argument list as one token. */
function tokenize(expression: string): string[] {
  const text = expression.trim();
  const tokens: string[] = [];
  const pattern = /\s*(\[[^\]]*\]|\(|\)|[^\s()[\]]+)/y;
  while (pattern.lastIndex < text.length) {
    const match = pattern.exec(text);
    if (match === null) throw new QueryError(`cannot read '${expression}'`);
    tokens.push(match[1]);
  }
  return tokens;
}
