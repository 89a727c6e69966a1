/** The JSON records engines keep on disk (config.v2.json, OCI config.json, options.json...). */
import { ParseError } from '../read.js';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ParseError(`not JSON (${(err as Error).message})`, text);
  }
}

/** Parse text that must hold one JSON object; anything else is a ParseError, never a TypeError later. */
export function parseJsonObject(text: string): Record<string, unknown> {
  const j = parseJson(text);
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new ParseError('expected a JSON object', text);
  return j as Record<string, unknown>;
}

/** Parse text that must hold one JSON array (containers.json, layers.json). */
export function parseJsonArray(text: string): unknown[] {
  const j = parseJson(text);
  if (!Array.isArray(j)) throw new ParseError('expected a JSON array', text);
  return j;
}

/** Which keys of a JSON object a parser reads: `true` keeps the value whole, an object descends. */
export interface JsonShape {
  readonly [key: string]: true | JsonShape;
}

/**
 * The part of a JSON object a parser reads, for `ctrscope snapshot` to record instead of the
 * whole file (which may hold environments, command lines, credentials). A parser given the
 * result reads the same values as from the original.
 */
export function pickJson(o: Readonly<Record<string, unknown>>, shape: JsonShape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, want] of Object.entries(shape)) {
    if (!Object.hasOwn(o, k)) continue;
    const v = o[k];
    if (want === true) out[k] = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) out[k] = pickJson(v as Record<string, unknown>, want);
  }
  return out;
}

/** pickJson over a file's text; a ParseError when it is not a JSON object. */
export const reduceJsonObject = (text: string, shape: JsonShape): string => JSON.stringify(pickJson(parseJsonObject(text), shape));
