/**
 * The simulator's DynamoDB (dynamodb.ts) against what the DynamoDB API reference and Developer Guide say:
 * conditional writes, their failure, the expression grammar, and substitution checks.
 */
import { SimDynamoDb } from './dynamodb';
import { SimAwsError } from './errors';

function setUp() {
  const db = new SimDynamoDb();
  db.createTable('locks', 'id');
  return db;
}

const errorOf = (fn: () => unknown): SimAwsError => {
  try {
    fn();
  } catch (error) {
    return error as SimAwsError;
  }
  throw new Error('expected the call to fail');
};

const put = (owner: string, expires: number) => ({
  TableName: 'locks',
  Item: { id: { S: 'a' }, owner: { S: owner }, exp: { N: String(expires) } },
  ConditionExpression: 'attribute_not_exists(#o) OR #e < :now',
  ExpressionAttributeNames: { '#o': 'owner', '#e': 'exp' },
  ExpressionAttributeValues: { ':now': { N: '100' } },
});

describe('simulated DynamoDB', () => {
  test('a conditional put succeeds on no item, fails on a live one (400, ConditionalCheckFailedException), succeeds on an expired one', () => {
    const db = setUp();
    db.putItem(put('x', 200));
    const failed = errorOf(() => db.putItem(put('y', 300)));
    expect([failed.name, failed.message, failed.$metadata.httpStatusCode]).toEqual(['ConditionalCheckFailedException', 'The conditional request failed', 400]);
    expect(db.getItem({ TableName: 'locks', Key: { id: { S: 'a' } } }).Item?.owner).toEqual({ S: 'x' });
    db.putItem({ ...put('z', 400), ExpressionAttributeValues: { ':now': { N: '250' } } });
    expect(db.getItem({ TableName: 'locks', Key: { id: { S: 'a' } } }).Item?.owner).toEqual({ S: 'z' });
  });

  test('ALL_OLD returns the item that failed the condition; without it, none', () => {
    const db = setUp();
    db.putItem(put('x', 200));
    const withOld = errorOf(() => db.putItem({ ...put('y', 300), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })) as SimAwsError & { Item?: unknown };
    expect(withOld.Item).toEqual({ id: { S: 'a' }, owner: { S: 'x' }, exp: { N: '200' } });
    const without = errorOf(() => db.putItem(put('y', 300))) as SimAwsError & { Item?: unknown };
    expect(without.Item).toBeUndefined();
  });

  test('numbers compare as numbers, strings as strings, mismatched types and missing attributes compare false', () => {
    const db = setUp();
    db.putItem({ TableName: 'locks', Item: { id: { S: 'a' }, n: { N: '9' }, s: { S: '9' } } });
    const holds = (condition: string, values: Record<string, { N?: string; S?: string }>) => {
      try {
        db.updateItem({
          TableName: 'locks',
          Key: { id: { S: 'a' } },
          UpdateExpression: 'SET t = :t',
          ConditionExpression: condition,
          ExpressionAttributeValues: { ...values, ':t': { S: 'x' } },
        });
        return true;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        return false;
      }
    };
    expect(holds('n < :v', { ':v': { N: '10' } })).toBe(true);
    expect(holds('s < :v', { ':v': { S: '10' } })).toBe(false);
    expect(holds('n = :v', { ':v': { S: '9' } })).toBe(false);
    expect(holds('missing < :v', { ':v': { N: '10' } })).toBe(false);
    expect(holds('NOT (n = :v) OR n >= :v AND attribute_exists(s)', { ':v': { N: '9' } })).toBe(true);
    // AND binds tighter than OR: false OR (true AND false).
    expect(holds('n <> :v OR n = :v AND attribute_not_exists(s)', { ':v': { N: '9' } })).toBe(false);
  });

  test('UpdateItem and DeleteItem honour their condition; UpdateItem creates a missing item when the condition allows', () => {
    const db = setUp();
    const renew = {
      TableName: 'locks',
      Key: { id: { S: 'a' } },
      UpdateExpression: 'SET #e = :e',
      ConditionExpression: '#o = :me',
      ExpressionAttributeNames: { '#o': 'owner', '#e': 'exp' },
      ExpressionAttributeValues: { ':e': { N: '500' }, ':me': { S: 'x' } },
    };
    expect(errorOf(() => db.updateItem(renew)).name).toBe('ConditionalCheckFailedException');
    db.putItem(put('x', 200));
    db.updateItem(renew);
    expect(db.getItem({ TableName: 'locks', Key: { id: { S: 'a' } } }).Item?.exp).toEqual({ N: '500' });
    const release = { TableName: 'locks', Key: { id: { S: 'a' } }, ConditionExpression: '#o = :me', ExpressionAttributeNames: { '#o': 'owner' } };
    expect(errorOf(() => db.deleteItem({ ...release, ExpressionAttributeValues: { ':me': { S: 'y' } } })).name).toBe('ConditionalCheckFailedException');
    db.deleteItem({ ...release, ExpressionAttributeValues: { ':me': { S: 'x' } } });
    expect(db.getItem({ TableName: 'locks', Key: { id: { S: 'a' } } })).toEqual({});
    db.updateItem({ TableName: 'locks', Key: { id: { S: 'b' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '1' } } });
    expect(db.getItem({ TableName: 'locks', Key: { id: { S: 'b' } } }).Item).toEqual({ id: { S: 'b' }, v: { N: '1' } });
  });

  test('undefined and unused substitutions, missing keys and unknown tables are refused as AWS refuses them', () => {
    const db = setUp();
    expect(errorOf(() => db.putItem({ ...put('x', 1), ExpressionAttributeNames: { '#o': 'owner' } })).message)
      .toBe('An expression attribute name used in the document path is not defined; attribute name: #e');
    expect(errorOf(() => db.putItem({ ...put('x', 1), ExpressionAttributeValues: { ':now': { N: '1' }, ':x': { N: '1' } } })).message)
      .toBe('Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}');
    expect(errorOf(() => db.putItem({ TableName: 'locks', Item: { owner: { S: 'x' } } })).name).toBe('ValidationException');
    expect(errorOf(() => db.getItem({ TableName: 'locks', Key: { id: { S: 'a' }, owner: { S: 'x' } } })).message)
      .toBe('The provided key element does not match the schema');
    const missing = errorOf(() => db.getItem({ TableName: 'nope', Key: { id: { S: 'a' } } }));
    expect([missing.name, missing.message]).toEqual(['ResourceNotFoundException', 'Requested resource not found']);
    expect(errorOf(() => db.putItem({ ...put('x', 1), ConditionExpression: 'begins_with(#o, :now) OR #e < :now' })).name).toBe('ValidationException');
  });
});
