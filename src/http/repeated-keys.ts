/**
 * A JSON object that gives one key twice. JSON.parse keeps the last value, but another reader
 * (a proxy, a log pipeline, a receiver's audit) may keep the first, so the two would act on
 * different requests: a body with a repeated key is refused, never read one way here.
 */

/**
 * The first key given twice in one object of `text`, which must be valid JSON (JSON.parse has
 * accepted it); null when there is none. Keys are compared as decoded, so `"a"` and `"\u0061"`
 * are the same key.
 */
export function firstRepeatedKey(text: string): string | null {
  // One set of keys per object open at this point; null for an array.
  const open: (Set<string> | null)[] = [];
  let index = 0;

  while (index < text.length) {
    const char = text[index];
    if (char === "{") open.push(new Set());
    else if (char === "[") open.push(null);
    else if (char === "}" || char === "]") open.pop();
    else if (char === '"') {
      const end = endOfString(text, index);
      const keys = open.at(-1);
      if (keys && isKey(text, end)) {
        const key = JSON.parse(text.slice(index, end)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      index = end;
      continue;
    }
    index += 1;
  }
  return null;
}

/** The index just past the string literal opening at `start`. */
function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (text[index] !== '"') index += text[index] === "\\" ? 2 : 1;
  return index + 1;
}

/** In an object, a string followed by `:` is a key; any other string is a value. */
function isKey(text: string, after: number): boolean {
  let index = after;
  while (/\s/.test(text[index] ?? "")) index += 1;
  return text[index] === ":";
}
