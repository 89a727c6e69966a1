/** The JSON records engines keep on disk (config.v2.json, OCI config.json, options.json...). */
import { ParseError } from '../read.js';

/** Parse text that must hold one JSON object; anything else is a ParseError, never a TypeError later. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (err) {
    throw new ParseError(`not JSON (${(err as Error).message})`, text);
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new ParseError('expected a JSON object', text);
  return j as Record<string, unknown>;
}
