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
