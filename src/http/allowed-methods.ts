/**
 * Which methods a path is routed for, so a request with another method is answered 405 with an
 * `Allow` header (RFC 9110 §15.5.6) rather than a 404 that would say the path does not exist.
 */
interface Route {
  method: string;
  path: string;
}

type AllowedMethods = (path: string) => string[];

/** Built once from the app's finished route table; middleware (method ALL) routes nothing. */
export function allowedMethodsOf(routes: readonly Route[]): AllowedMethods {
  const byPattern = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const entry = byPattern.get(route.path) ?? {
      pattern: patternOf(route.path),
      methods: new Set<string>(),
    };
    entry.methods.add(route.method);
    // A GET route answers HEAD as well.
    if (route.method === "GET") entry.methods.add("HEAD");
    byPattern.set(route.path, entry);
  }

  return (path) => {
    const methods = new Set<string>();
    for (const { pattern, methods: routed } of byPattern.values()) {
      if (pattern.test(path)) for (const method of routed) methods.add(method);
    }
    return [...methods].sort();
  };
}

/** `/v1/links/:linkId` as a regular expression: a parameter is one non-empty path segment. */
function patternOf(path: string): RegExp {
  const segments = path
    .split("/")
    .map((segment) =>
      segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    );
  return new RegExp(`^${segments.join("/")}$`);
}
