/**
 * DynamoDB as the engine uses it: tables with a string partition key, and GetItem, PutItem, UpdateItem and
 * DeleteItem with condition expressions. What is modelled, and from where:
 *
 * - A conditional write is evaluated against the item as it is and applied in the same step: "If the
 *   condition expression evaluates to true, the operation succeeds. Otherwise, the operation fails."
 *   (Developer Guide, "Condition and filter expressions, operators, and functions",
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html).
 *   The simulator runs each call to completion before the next, so two writers' conditions never see a
 *   half-applied write, as DynamoDB's single-item writes promise.
 * - A failed condition is ConditionalCheckFailedException, "The conditional request failed", HTTP 400, with
 *   the item when ReturnValuesOnConditionCheckFailure is ALL_OLD (PutItem/UpdateItem/DeleteItem API
 *   references, Errors; https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html).
 * - The grammar: comparators = <> < <= > >=, functions attribute_exists(path) and attribute_not_exists(path),
 *   AND, OR, NOT and parentheses, with precedence comparators, functions, NOT, AND, OR (same page,
 *   "Precedence in conditions"). A comparison of values of different types is false (the legacy
 *   ComparisonOperator reference: "{"S":"6"} does not equal {"N":"6"}"), and so is any comparison with a
 *   missing attribute. BETWEEN, IN, attribute_type, begins_with, contains and size are not modelled: an
 *   expression using them is refused here as a ValidationException, so a test cannot pass on a guess.
 * - Every #name and :value an expression uses must be given, and every one given must be used: DynamoDB
 *   refuses either with a ValidationException ("Value provided in ExpressionAttributeValues unused in
 *   expressions"; "An expression attribute value used in expression is not defined").
 * - A table that does not exist is ResourceNotFoundException, "Requested resource not found" (API
 *   references, Errors: "The operation tried to access a nonexistent table or index").
 * - UpdateExpression: only SET path = operand[, ...] is modelled; UpdateItem creates the item when there is
 *   none and the condition allows it (UpdateItem: "Edits an existing item's attributes, or adds a new item
 *   to the table if it does not already exist").
 * - Strongly consistent and eventually consistent reads both return the latest write: the harder reading
 *   for an engine would be a stale eventual read, and the engine only reads with ConsistentRead (a test
 *   in dynamodb.test.ts checks it asks for it).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SimAwsError } from './errors';

export type Item = Record<string, AttributeValue>;

export interface SimTable {
  readonly name: string;
  readonly partitionKey: string;
  readonly items: Map<string, Item>;
}

const validation = (message: string) => new SimAwsError('ValidationException', message);
const notFound = () => new SimAwsError('ResourceNotFoundException', 'Requested resource not found');

export class ConditionalCheckFailed extends SimAwsError {
  constructor(readonly Item?: Item) {
    super('ConditionalCheckFailedException', 'The conditional request failed');
  }
}

interface ExpressionInput {
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, AttributeValue>;
  readonly ReturnValuesOnConditionCheckFailure?: string;
}

/** The tables of one account and Region. */
export class SimDynamoDb {
  readonly tables = new Map<string, SimTable>();

  createTable(name: string, partitionKey: string): SimTable {
    if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(name)) throw validation(`TableName ${name} does not satisfy the naming rules`);
    const table: SimTable = { name, partitionKey, items: new Map() };
    this.tables.set(name, table);
    return table;
  }

  getItem(input: { TableName?: string; Key?: Item; ConsistentRead?: boolean }): { Item?: Item } {
    const table = this.table(input.TableName);
    const item = table.items.get(keyOf(table, input.Key, true));
    return item ? { Item: copy(item) } : {};
  }

  putItem(input: { TableName?: string; Item?: Item } & ExpressionInput): Record<string, never> {
    const table = this.table(input.TableName);
    const key = keyOf(table, input.Item, false);
    this.check(table.items.get(key), input, []);
    table.items.set(key, copy(input.Item!));
    return {};
  }

  updateItem(input: { TableName?: string; Key?: Item; UpdateExpression?: string } & ExpressionInput): Record<string, never> {
    const table = this.table(input.TableName);
    const key = keyOf(table, input.Key, true);
    const sets = parseSet(input.UpdateExpression);
    const current = table.items.get(key);
    this.check(current, input, sets.flatMap((s) => [s.path, s.value]));
    const next: Item = current ? copy(current) : copy(input.Key!);
    for (const set of sets) {
      const name = resolveName(set.path, input.ExpressionAttributeNames);
      if (name === table.partitionKey) throw validation('Cannot update attribute ' + name + '. This attribute is part of the key');
      next[name] = resolveValue(set.value, input.ExpressionAttributeValues, current);
    }
    table.items.set(key, next);
    return {};
  }

  deleteItem(input: { TableName?: string; Key?: Item } & ExpressionInput): Record<string, never> {
    const table = this.table(input.TableName);
    const key = keyOf(table, input.Key, true);
    this.check(table.items.get(key), input, []);
    table.items.delete(key);
    return {};
  }

  private table(name: string | undefined): SimTable {
    const table = name === undefined ? undefined : this.tables.get(name);
    if (!table) throw notFound();
    return table;
  }

  /** Validates the expression's names and values, then evaluates the condition on the item as it is. */
  private check(item: Item | undefined, input: ExpressionInput, updateTokens: readonly string[]): void {
    const condition = input.ConditionExpression === undefined ? undefined : parseCondition(input.ConditionExpression);
    const used = [...(condition ? tokensOf(condition) : []), ...updateTokens];
    checkSubstitutions(used, input);
    if (condition && !evaluate(condition, item ?? {}, input)) {
      throw new ConditionalCheckFailed(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && item ? copy(item) : undefined);
    }
  }
}

function copy(item: Item): Item {
  return JSON.parse(JSON.stringify(item)) as Item;
}

function keyOf(table: SimTable, attributes: Item | undefined, keyOnly: boolean): string {
  const value = attributes?.[table.partitionKey];
  if (!value || value.S === undefined) throw validation('One or more parameter values were invalid: Missing the key ' + table.partitionKey + ' in the item');
  if (keyOnly && Object.keys(attributes!).length !== 1) throw validation('The provided key element does not match the schema');
  if (value.S === '') throw validation('One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value.');
  return value.S;
}

function checkSubstitutions(used: readonly string[], input: ExpressionInput): void {
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  for (const token of used) {
    if (token.startsWith('#') && !(token in names)) throw validation(`An expression attribute name used in the document path is not defined; attribute name: ${token}`);
    if (token.startsWith(':') && !(token in values)) throw validation(`An expression attribute value used in expression is not defined; attribute value: ${token}`);
  }
  const unusedNames = Object.keys(names).filter((n) => !used.includes(n));
  if (unusedNames.length > 0) throw validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`);
  const unusedValues = Object.keys(values).filter((v) => !used.includes(v));
  if (unusedValues.length > 0) throw validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`);
}

// ---------------------------------------------------------------------------------------------------------
// Condition expressions

type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';
type Condition =
  | { readonly kind: 'or' | 'and'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'not'; readonly operand: Condition }
  | { readonly kind: 'exists' | 'notExists'; readonly path: string }
  | { readonly kind: 'compare'; readonly op: Comparator; readonly left: string; readonly right: string };

const TOKEN = /\s*(<>|<=|>=|=|<|>|\(|\)|,|[#:]?[A-Za-z0-9_]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw validation(`Invalid ConditionExpression: Syntax error; token: "${text.slice(at, at + 10)}"`);
    tokens.push(match[1]);
  }
  return tokens;
}

function parseCondition(text: string): Condition {
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const token = tokens[i++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw validation(`Invalid ConditionExpression: Syntax error; expected ${expected ?? 'a token'} in "${text}"`);
    }
    return token;
  };
  const keyword = (word: string) => peek()?.toUpperCase() === word;
  const orExpr = (): Condition => {
    let left = andExpr();
    while (keyword('OR')) { take(); left = { kind: 'or', left, right: andExpr() }; }
    return left;
  };
  const andExpr = (): Condition => {
    let left = notExpr();
    while (keyword('AND')) { take(); left = { kind: 'and', left, right: notExpr() }; }
    return left;
  };
  const notExpr = (): Condition => {
    if (keyword('NOT')) { take(); return { kind: 'not', operand: notExpr() }; }
    return primary();
  };
  const primary = (): Condition => {
    if (peek() === '(') { take('('); const inner = orExpr(); take(')'); return inner; }
    const first = take();
    if (first === 'attribute_exists' || first === 'attribute_not_exists') {
      take('('); const path = take(); take(')');
      return { kind: first === 'attribute_exists' ? 'exists' : 'notExists', path };
    }
    if (['BETWEEN', 'IN', 'attribute_type', 'begins_with', 'contains', 'size'].includes(first) || ['BETWEEN', 'IN'].includes(peek()?.toUpperCase() ?? '')) {
      throw validation(`the simulator does not model ${first} in condition expressions`);
    }
    const op = take() as Comparator;
    if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw validation(`Invalid ConditionExpression: Syntax error; token: "${op}"`);
    return { kind: 'compare', op, left: first, right: take() };
  };
  const condition = orExpr();
  if (i !== tokens.length) throw validation(`Invalid ConditionExpression: Syntax error; token: "${tokens[i]}"`);
  return condition;
}

function tokensOf(condition: Condition): string[] {
  switch (condition.kind) {
    case 'or': case 'and': return [...tokensOf(condition.left), ...tokensOf(condition.right)];
    case 'not': return tokensOf(condition.operand);
    case 'exists': case 'notExists': return [condition.path];
    case 'compare': return [condition.left, condition.right];
  }
}

function resolveName(token: string, names: Record<string, string> | undefined): string {
  return token.startsWith('#') ? names![token] : token;
}

function resolveValue(token: string, values: Record<string, AttributeValue> | undefined, item: Item | undefined): AttributeValue {
  if (token.startsWith(':')) return values![token];
  const value = item?.[token];
  if (!value) throw validation(`The provided expression refers to an attribute that does not exist in the item: ${token}`);
  return value;
}

function operand(token: string, item: Item, input: ExpressionInput): AttributeValue | undefined {
  if (token.startsWith(':')) return input.ExpressionAttributeValues![token];
  return item[resolveName(token, input.ExpressionAttributeNames)];
}

function compare(op: Comparator, a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  if (a.N !== undefined && b.N !== undefined) return order(op, Number(a.N) - Number(b.N));
  if (a.S !== undefined && b.S !== undefined) return order(op, a.S < b.S ? -1 : a.S > b.S ? 1 : 0);
  if (op === '=' || op === '<>') return (JSON.stringify(a) === JSON.stringify(b)) === (op === '=');
  return false;
}

function order(op: Comparator, sign: number): boolean {
  switch (op) {
    case '=': return sign === 0;
    case '<>': return sign !== 0;
    case '<': return sign < 0;
    case '<=': return sign <= 0;
    case '>': return sign > 0;
    case '>=': return sign >= 0;
  }
}

function evaluate(condition: Condition, item: Item, input: ExpressionInput): boolean {
  switch (condition.kind) {
    case 'or': return evaluate(condition.left, item, input) || evaluate(condition.right, item, input);
    case 'and': return evaluate(condition.left, item, input) && evaluate(condition.right, item, input);
    case 'not': return !evaluate(condition.operand, item, input);
    case 'exists': return item[resolveName(condition.path, input.ExpressionAttributeNames)] !== undefined;
    case 'notExists': return item[resolveName(condition.path, input.ExpressionAttributeNames)] === undefined;
    case 'compare': return compare(condition.op, operand(condition.left, item, input), operand(condition.right, item, input));
  }
}

function parseSet(expression: string | undefined): Array<{ path: string; value: string }> {
  const match = expression?.match(/^\s*SET\s+(.+)$/i);
  if (!match) throw validation(`the simulator models only SET update expressions, not "${expression}"`);
  return match[1].split(',').map((part) => {
    const assignment = part.trim().match(/^([#]?[A-Za-z0-9_]+)\s*=\s*([#:]?[A-Za-z0-9_]+)$/);
    if (!assignment) throw validation(`Invalid UpdateExpression: Syntax error; token: "${part.trim()}"`);
    return { path: assignment[1], value: assignment[2] };
  });
}
