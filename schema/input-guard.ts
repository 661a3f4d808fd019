import { isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType, type GraphQLInputType, type GraphQLSchema } from 'graphql';
import { DomainError } from '../tenants/shared/errors.js';
import { BIDI_CONTROL, INVISIBLE, LONE_SURROGATE, meaningful } from '../models/text.js';

// Every String and ID argument and input field, checked once before any resolver runs: valid Unicode,
// a length limit, no control characters, and (for ids, references, case and warrant numbers, URLs)
// no invisible ones. The limits are stated in the schema's descriptions from this one table.

enum TextKind {
  IDENTIFIER = 'IDENTIFIER',
  NAME = 'NAME',
  URL = 'URL',
  FREE_TEXT = 'FREE_TEXT',
}

const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
// free text may hold line breaks and tabs
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
const INVISIBLE_ONE = new RegExp(INVISIBLE.source);

const RULES: Record<TextKind, { max: number; control: RegExp; refused: RegExp | null; describe: string }> = {
  [TextKind.IDENTIFIER]: { max: 200, control: CONTROL, refused: INVISIBLE_ONE, describe: 'At most 200 characters; no control or invisible characters.' },
  [TextKind.NAME]: { max: 200, control: CONTROL, refused: BIDI_CONTROL, describe: 'At most 200 characters; no control characters or bidi overrides.' },
  [TextKind.URL]: { max: 2000, control: CONTROL, refused: INVISIBLE_ONE, describe: 'At most 2000 characters; no control or invisible characters.' },
  [TextKind.FREE_TEXT]: { max: 4000, control: CONTROL_IN_TEXT, refused: null, describe: 'At most 4000 characters; line breaks and tabs are the only control characters allowed.' },
};

// by field or argument name; any other String or ID is an identifier (ids, refs, slugs, case and warrant numbers, cursors)
const KIND_BY_NAME: Record<string, TextKind | null> = {
  narrative: TextKind.FREE_TEXT,
  offenseDescription: TextKind.FREE_TEXT,
  note: TextKind.FREE_TEXT,
  reason: TextKind.FREE_TEXT,
  howObtained: TextKind.FREE_TEXT,
  attestation: TextKind.FREE_TEXT,
  statuteText: TextKind.NAME,
  requestingOfficer: TextKind.NAME,
  approvingSupervisor: TextKind.NAME,
  name: TextKind.NAME,
  issuer: TextKind.URL,
  jwksUrl: TextKind.URL,
  audience: TextKind.URL,
  // bounded by the photo size limit and checked as base64 where it is decoded
  imageBase64: null,
  moreImagesBase64: null,
  // a lead report to verify: bounded by the upload limit, checked as base64 where it is decoded
  fileBase64: null,
};

const kindOf = (name: string, typeName: string): TextKind | null =>
  typeName === 'ID' ? TextKind.IDENTIFIER : name in KIND_BY_NAME ? KIND_BY_NAME[name] : TextKind.IDENTIFIER;

const textTypeName = (type: GraphQLInputType): string | null => {
  let t = type;
  while (isNonNullType(t) || isListType(t)) t = t.ofType;
  return isScalarType(t) && (t.name === 'String' || t.name === 'ID') ? t.name : null;
};

const refuse = (path: string, problem: string) => new DomainError('BAD_USER_INPUT', `\`${path}\` ${problem}.`, { field: path });
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function checkText(path: string, value: string, kind: TextKind, required: boolean): void {
  const rule = RULES[kind];
  const lone = LONE_SURROGATE.exec(value);
  if (lone) throw refuse(path, `is not valid Unicode text (a lone UTF-16 surrogate ${codePoint(lone[0])} at position ${lone.index + 1}); send it as UTF-8 text`);
  // code points, counted only when the UTF-16 length leaves any doubt
  if (value.length > rule.max && (value.length > 2 * rule.max || [...value].length > rule.max)) throw refuse(path, `is longer than ${rule.max} characters; shorten it`);
  const control = rule.control.exec(value);
  if (control) throw refuse(path, `contains a control character (${codePoint(control[0])}) at position ${control.index + 1}; remove it`);
  const hidden = rule.refused?.exec(value);
  if (hidden) throw refuse(path, `contains an invisible or direction-changing character (${codePoint(hidden[0])}) at position ${hidden.index + 1}; remove it`);
  if (required && !meaningful(value)) throw refuse(path, 'is empty; give a value');
}

function checkValue(path: string, name: string, type: GraphQLInputType, value: unknown, required = false): void {
  if (value === null || value === undefined) return;
  if (isNonNullType(type)) return checkValue(path, name, type.ofType, value, true);
  if (isListType(type)) {
    if (Array.isArray(value)) value.forEach((v, i) => checkValue(`${path}[${i}]`, name, type.ofType, v));
    return;
  }
  if (isInputObjectType(type)) {
    for (const f of Object.values(type.getFields())) checkValue(`${path}.${f.name}`, f.name, f.type, (value as Record<string, unknown>)[f.name]);
    return;
  }
  const typeName = textTypeName(type);
  const kind = typeName && kindOf(name, typeName);
  if (kind && typeof value === 'string') checkText(path, value, kind, required);
}

const hasText = (type: GraphQLInputType, seen = new Set<string>()): boolean => {
  let t = type;
  while (isNonNullType(t) || isListType(t)) t = t.ofType;
  if (isInputObjectType(t)) {
    if (seen.has(t.name)) return false;
    seen.add(t.name);
    return Object.values(t.getFields()).some((f) => hasText(f.type, seen));
  }
  return textTypeName(t) !== null;
};

/** States each String and ID input's limit in its description (the emitted schema says what the guard enforces). */
export function describeTextLimits(schema: GraphQLSchema): void {
  const describe = (o: { name: string; type: GraphQLInputType; description?: string | null }) => {
    const typeName = textTypeName(o.type);
    const kind = typeName && kindOf(o.name, typeName);
    if (kind) o.description = o.description ? `${o.description} (${RULES[kind].describe})` : RULES[kind].describe;
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isInputObjectType(type)) Object.values(type.getFields()).forEach(describe);
    if (isObjectType(type)) for (const field of Object.values(type.getFields())) field.args.forEach(describe);
  }
}

type Resolve = (source: unknown, args: Record<string, unknown>, ctx: unknown, info: unknown) => unknown;

/** Wraps every resolver that takes text so its arguments are checked before it runs (BAD_USER_INPUT names the field). */
export function guardTextInputs(schema: GraphQLSchema, resolvers: Record<string, Record<string, unknown>>): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || !resolvers[type.name]) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = resolvers[type.name][field.name] as Resolve | undefined;
      if (typeof resolve !== 'function' || !field.args.some((a) => hasText(a.type))) continue;
      resolvers[type.name][field.name] = (source: unknown, args: Record<string, unknown>, ctx: unknown, info: unknown) => {
        for (const a of field.args) checkValue(a.name, a.name, a.type, args[a.name]);
        return resolve(source, args, ctx, info);
      };
    }
  }
}
