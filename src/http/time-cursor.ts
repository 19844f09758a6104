/**
 * Opaque cursors for lists paged newest first by (time, id). Each list stamps its cursors with its
 * own name, so a cursor handed back to another list is refused instead of quietly reused there.
 */
import { z } from "zod";
import { ApiError } from "./problems.ts";

export interface TimeCursor {
  encode(time: number, id: string): string;
  /** The (time, id) the cursor stands for; 400 invalid_request for anything else. */
  decode(cursor: string): [number, string];
}

export function timeCursor(list: string): TimeCursor {
  const schema = z.tuple([z.literal(list), z.number().int(), z.string().min(1)]);
  return {
    encode: (time, id) => btoa(JSON.stringify([list, time, id])).replaceAll("=", ""),
    decode: (cursor) => {
      try {
        const [, time, id] = schema.parse(JSON.parse(atob(cursor)));
        return [time, id];
      } catch {
        throw new ApiError("invalid_request", "The cursor is not one this list returned.");
      }
    },
  };
}
