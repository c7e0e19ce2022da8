import { parseQuery } from '@jetstreamapp/soql-parser-js';
import type { FieldDescribe, ObjectSchema, Org, Row, Value } from './org.js';
import { isValidId, to18 } from './ids.js';

/** A SOQL error as Salesforce reports it (errorCode + message), raised while parsing or binding a query. */
export class SoqlError extends Error {
  constructor(readonly errorCode: string, message: string) {
    super(message);
  }
}

type Literal = Value | RegExp;
/** For IN / NOT IN, `keys` holds the values as `equals` compares them, so a row is one lookup, not one per value. */
type Condition = { kind: 'cond'; field: FieldDescribe; operator: string; values: Literal[]; keys?: Set<string>; hasNull?: boolean };

/** The value as the comparison sees it: text case-insensitively, Ids, numbers, dates and booleans by their text. */
function inKey(value: Exclude<Value, null>): string {
  return String(value).toLowerCase();
}
type Expr = Condition | { kind: 'and' | 'or'; left: Expr; right: Expr } | { kind: 'not'; expr: Expr };

export interface CompiledQuery {
  object: ObjectSchema;
  /** Selected fields in SELECT order (canonical names); empty for COUNT(). */
  fields: FieldDescribe[];
  count: boolean;
  where: Expr | null;
  orderBy: { field: FieldDescribe; desc: boolean; nullsLast: boolean }[];
  limit: number | null;
  offset: number;
}

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | { cond: Record<string, unknown> };

interface ParsedNode {
  left?: Record<string, unknown> | null;
  operator?: string;
  right?: ParsedNode;
}

/**
 * The parser returns WHERE as a right-leaning chain with paren counts on each condition; turn it back
 * into tokens and parse those with SOQL's precedence (NOT, then AND, then OR).
 */
function tokensOf(node: ParsedNode | undefined, out: Token[]): Token[] {
  if (node === undefined) return out;
  const left = node.left;
  if (node.operator === 'NOT') {
    if (left && typeof left.openParen === 'number') for (let i = 0; i < left.openParen; i++) out.push('(');
    out.push('NOT');
    return tokensOf(node.right, out);
  }
  if (left) {
    for (let i = 0; i < ((left.openParen as number | undefined) ?? 0); i++) out.push('(');
    out.push({ cond: left });
    for (let i = 0; i < ((left.closeParen as number | undefined) ?? 0); i++) out.push(')');
  }
  if (node.operator === 'AND' || node.operator === 'OR') out.push(node.operator);
  return tokensOf(node.right, out);
}

function unescapeString(raw: string): string {
  const body = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  if (!body.includes('\\')) return body; // the common case: nothing to unescape
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'n': case 'N': out += '\n'; break;
      case 'r': case 'R': out += '\r'; break;
      case 't': case 'T': out += '\t'; break;
      case 'b': case 'B': out += '\b'; break;
      case 'f': case 'F': out += '\f'; break;
      case 'u': {
        const hex = body.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw new SoqlError('MALFORMED_QUERY', `Invalid string literal '${body}'. Illegal character sequence '\\u${hex}' in string literal.`);
        }
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
        break;
      }
      case '\\': case "'": case '"': out += n; break;
      case '_': case '%': out += `\\${n}`; break;
      default:
        throw new SoqlError('MALFORMED_QUERY', `Invalid string literal '${body}'. Illegal character sequence '\\${n ?? ''}' in string literal.`);
    }
  }
  return out;
}

function likePattern(raw: string): RegExp {
  const body = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  let re = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const n = body[++i] ?? '';
      const lit = n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
      re += lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

function literal(field: FieldDescribe, raw: string, type: string, operator: string): Literal {
  if (type === 'NULL') return null;
  if (type === 'BOOLEAN') return raw.toUpperCase() === 'TRUE';
  if (operator === 'LIKE') return likePattern(raw);
  if (type === 'STRING') {
    const text = unescapeString(raw);
    if ((field.type === 'id' || field.type === 'reference') && isValidId(text)) return to18(text);
    return text;
  }
  if (type === 'INTEGER' || type === 'DECIMAL') return Number(raw);
  if (type === 'DATETIME') {
    const ms = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isNaN(ms)) throw new SoqlError('MALFORMED_QUERY', `line 1: invalid datetime literal ${raw}`);
    return new Date(ms).toISOString();
  }
  if (type === 'DATE') return raw;
  throw new SoqlError('MALFORMED_QUERY', `unsupported literal ${raw} in this simulator`);
}

function fieldOf(object: ObjectSchema, name: string, soql: string): FieldDescribe {
  const field = object.fields.get(name.toLowerCase());
  if (field === undefined) {
    throw new SoqlError(
      'INVALID_FIELD',
      `\n${soql.slice(0, 200)}\n^\nERROR at Row:1:Column:1\nNo such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  return field;
}

type ParsedSoql = ReturnType<typeof parseQuery>;
const PLACEHOLDER = /^'~sim~(\d+)~'$/;
const SHAPES = new Map<string, ParsedSoql>();
const MAX_SHAPES = 500;

/**
 * parseQuery, shared by queries of one shape: the string literals are replaced by numbered placeholders,
 * the placeholder text is parsed once, and each query gets a copy of that tree with its own literals back.
 * The parser costs more than answering a query by key (0.4 ms for 200 keys), and a scan sends thousands of
 * queries that differ only in their keys.
 */
function parseShared(soql: string): ParsedSoql {
  const literals: string[] = [];
  const pieces: string[] = [];
  let from = 0;
  for (let i = soql.indexOf("'"); i !== -1; i = soql.indexOf("'", from)) {
    // The closing quote is the next one preceded by an even number of backslashes.
    let j = soql.indexOf("'", i + 1);
    for (;;) {
      if (j === -1) return parseQuery(soql); // unterminated: let the parser report it
      let backslashes = 0;
      while (soql.charCodeAt(j - 1 - backslashes) === 92) backslashes += 1;
      if (backslashes % 2 === 0) break;
      j = soql.indexOf("'", j + 1);
    }
    pieces.push(soql.slice(from, i), `'~sim~${literals.length}~'`);
    literals.push(soql.slice(i, j + 1));
    from = j + 1;
  }
  pieces.push(soql.slice(from));
  const shape = pieces.join('');
  let tree = SHAPES.get(shape);
  if (tree === undefined) {
    try {
      tree = parseQuery(shape);
    } catch {
      return parseQuery(soql); // the error, with the caller's own text in it
    }
    if (SHAPES.size >= MAX_SHAPES) SHAPES.delete(SHAPES.keys().next().value!);
    SHAPES.set(shape, tree);
  }
  const restore = (node: unknown): unknown => {
    if (typeof node === 'string') {
      if (!node.startsWith("'~sim~")) return node;
      const m = PLACEHOLDER.exec(node);
      return m === null ? node : literals[Number(m[1])];
    }
    if (Array.isArray(node)) return node.map(restore);
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = restore(v);
      return out;
    }
    return node;
  };
  return restore(tree) as ParsedSoql;
}

/** Parses and binds a SOQL query to the org's schema. Supports the subset sf-reconcile and its tests use. */
export function compileQuery(org: Org, soql: string): CompiledQuery {
  if (soql.length > 100_000) {
    throw new SoqlError('MALFORMED_QUERY', 'SOQL statements cannot be longer than 100,000 characters.');
  }
  let parsed: ReturnType<typeof parseQuery>;
  try {
    parsed = parseShared(soql);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'unexpected token';
    throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${message}`);
  }
  const object = org.schema(parsed.sObject ?? '');
  if (object === undefined || object.name === 'User' && !/FROM\s+User/i.test(soql)) {
    throw new SoqlError('INVALID_TYPE', `\n${soql.slice(0, 200)}\n^\nERROR at Row:1:Column:1\nsObject type '${parsed.sObject ?? ''}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
  }
  let count = false;
  const fields: FieldDescribe[] = [];
  for (const f of parsed.fields ?? []) {
    if (f.type === 'Field') fields.push(fieldOf(object, f.field, soql));
    else if (f.type === 'FieldFunctionExpression' && f.functionName.toUpperCase() === 'COUNT' && (f.parameters ?? []).length === 0) count = true;
    else throw new SoqlError('MALFORMED_QUERY', `this simulator supports plain fields and COUNT() in SELECT (got ${JSON.stringify(f)})`);
  }
  let where: Expr | null = null;
  if (parsed.where !== undefined) {
    const tokens = tokensOf(parsed.where as ParsedNode, []);
    let pos = 0;
    const peek = () => tokens[pos];
    // SOQL has no precedence between AND and OR: mixing them needs parentheses ("Logical Operators").
    const levels: { and: boolean; or: boolean }[] = [{ and: false, or: false }];
    const closeLevel = () => {
      const level = levels.pop()!;
      if (level.and && level.or) {
        throw new SoqlError('MALFORMED_QUERY', "unexpected token: 'OR' (parentheses are required when AND and OR are mixed)");
      }
    };
    const primary = (): Expr => {
      const t = tokens[pos++];
      if (t === '(') {
        levels.push({ and: false, or: false });
        const e = or();
        closeLevel();
        if (tokens[pos++] !== ')') throw new SoqlError('MALFORMED_QUERY', 'unexpected token: missing )');
        return e;
      }
      if (t === 'NOT') return { kind: 'not', expr: primary() };
      if (t === undefined || typeof t === 'string') throw new SoqlError('MALFORMED_QUERY', `unexpected token: ${String(t)}`);
      const c = t.cond;
      if (typeof c.field !== 'string') throw new SoqlError('MALFORMED_QUERY', 'this simulator supports field conditions only');
      const field = fieldOf(object, c.field, soql);
      const operator = String(c.operator).toUpperCase();
      const rawValues = Array.isArray(c.value) ? (c.value as string[]) : [String(c.value)];
      const types = Array.isArray(c.literalType) ? (c.literalType as string[]) : rawValues.map(() => String(c.literalType));
      const values = rawValues.map((v, i) => literal(field, v, types[i] ?? 'STRING', operator));
      if ((operator === 'IN' || operator === 'NOT IN') && !values.some((v) => v instanceof RegExp)) {
        const plain = values as Value[];
        const keys = new Set(plain.filter((v): v is Exclude<Value, null> => v !== null).map(inKey));
        return { kind: 'cond', field, operator, values, keys, hasNull: plain.includes(null) };
      }
      return { kind: 'cond', field, operator, values };
    };
    const and = (): Expr => {
      let left = primary();
      while (peek() === 'AND') {
        pos++;
        levels.at(-1)!.and = true;
        left = { kind: 'and', left, right: primary() };
      }
      return left;
    };
    const or = (): Expr => {
      let left = and();
      while (peek() === 'OR') {
        pos++;
        levels.at(-1)!.or = true;
        left = { kind: 'or', left, right: and() };
      }
      return left;
    };
    where = or();
    closeLevel();
  }
  const orderBy = (Array.isArray(parsed.orderBy) ? parsed.orderBy : parsed.orderBy ? [parsed.orderBy] : []).map((o) => {
    const name = (o as { field?: string }).field;
    if (name === undefined) throw new SoqlError('MALFORMED_QUERY', 'ORDER BY supports fields only in this simulator');
    const desc = (o as { order?: string }).order === 'DESC';
    const nulls = (o as { nulls?: string }).nulls;
    return { field: fieldOf(object, name, soql), desc, nullsLast: nulls === undefined ? desc : nulls === 'LAST' };
  });
  return {
    object,
    fields,
    count,
    where,
    orderBy,
    limit: parsed.limit ?? null,
    offset: parsed.offset ?? 0,
  };
}

function compare(field: FieldDescribe, a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (field.type === 'datetime' || field.type === 'date') return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function equals(field: FieldDescribe, a: Value, b: Literal): boolean {
  if (b instanceof RegExp) return a !== null && b.test(String(a));
  if (a === null || b === null) return a === b;
  if (field.type === 'date' && typeof b === 'string') return String(a) === b;
  return compare(field, a, b) === 0;
}

function test(row: Row, expr: Expr): boolean {
  switch (expr.kind) {
    case 'and': return test(row, expr.left) && test(row, expr.right);
    case 'or': return test(row, expr.left) || test(row, expr.right);
    case 'not': return !test(row, expr.expr);
    case 'cond': {
      const value = row[expr.field.name] ?? null;
      const [first] = expr.values;
      switch (expr.operator) {
        case '=': return equals(expr.field, value, first ?? null);
        case '!=': case '<>': return !equals(expr.field, value, first ?? null);
        case 'LIKE': return equals(expr.field, value, first ?? null);
        case 'IN':
        case 'NOT IN': {
          const found = expr.keys === undefined
            ? expr.values.some((v) => equals(expr.field, value, v))
            : value === null ? expr.hasNull === true : expr.keys.has(inKey(value));
          return expr.operator === 'IN' ? found : !found;
        }
        case '<': return value !== null && compare(expr.field, value, first as Value) < 0;
        case '<=': return value !== null && compare(expr.field, value, first as Value) <= 0;
        case '>': return value !== null && compare(expr.field, value, first as Value) > 0;
        case '>=': return value !== null && compare(expr.field, value, first as Value) >= 0;
        default: throw new SoqlError('MALFORMED_QUERY', `unsupported operator ${expr.operator}`);
      }
    }
  }
}

/** Candidate ids from an index when the condition allows (Id or an external ID with = / IN), else null. */
function candidates(org: Org, object: ObjectSchema, expr: Expr | null): Set<string> | null {
  if (expr === null) return null;
  if (expr.kind === 'cond' && (expr.operator === '=' || expr.operator === 'IN')) {
    if (expr.field.name === 'Id') return new Set(expr.values.filter((v): v is string => typeof v === 'string'));
    if (org.isIndexed(object.name, expr.field.name)) {
      const out = new Set<string>();
      for (const v of expr.values) if (v !== null && !(v instanceof RegExp)) for (const id of org.lookup(object.name, expr.field.name, String(v))) out.add(id);
      return out;
    }
    return null;
  }
  if (expr.kind === 'and') {
    const l = candidates(org, object, expr.left);
    const r = candidates(org, object, expr.right);
    if (l === null) return r;
    if (r === null) return l;
    return l.size <= r.size ? l : r;
  }
  if (expr.kind === 'or') {
    const l = candidates(org, object, expr.left);
    const r = candidates(org, object, expr.right);
    if (l === null || r === null) return null;
    return new Set([...l, ...r]);
  }
  return null;
}

/** Runs a compiled query; returns the matching rows (deleted ones only with `all`, as queryAll does). */
export function runQuery(org: Org, q: CompiledQuery, all: boolean): Row[] {
  const rows = org.rows(q.object.name);
  const ids = candidates(org, q.object, q.where);
  const matched: Row[] = [];
  const consider = (row: Row | undefined) => {
    if (row === undefined) return;
    if (row.IsDeleted === true && !all) return;
    if (q.where === null || test(row, q.where)) matched.push(row);
  };
  if (ids === null) for (const row of rows.values()) consider(row);
  else for (const id of ids) consider(rows.get(id));
  if (q.orderBy.length > 0) {
    matched.sort((a, b) => {
      for (const o of q.orderBy) {
        const x = a[o.field.name] ?? null;
        const y = b[o.field.name] ?? null;
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === o.nullsLast ? 1 : -1;
        }
        const c = compare(o.field, x, y);
        if (c !== 0) return o.desc ? -c : c;
      }
      return 0;
    });
  }
  const start = q.offset;
  const end = q.limit === null ? undefined : start + q.limit;
  return start > 0 || end !== undefined ? matched.slice(start, end) : matched;
}
