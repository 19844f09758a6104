/**
 * A real HTTP receiver for the workers tests, started in Node by vitest's globalSetup and reached
 * by the Worker's own fetch on 127.0.0.1. What it answers depends on the path's first segment:
 * `/ok/...` 200, `/fail/...` 500, `/redirect/...` 302, `/slow/...` 200 after three seconds.
 * Every request is kept, and `GET /_received?path=...` returns those made to a path, so each test
 * reads its own.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    webhookReceiver: string;
  }
}

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export default async function setup(project: TestProject) {
  const received: Received[] = [];

  async function answer(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://receiver");
    if (request.method === "GET" && url.pathname === "/_received") {
      const path = url.searchParams.get("path");
      response.setHeader("Content-Type", "application/json");
      response.end(JSON.stringify(received.filter((entry) => entry.path === path)));
      return;
    }
    const body = await readBody(request);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    received.push({ path: url.pathname, headers, body, at: Date.now() });

    const kind = url.pathname.split("/")[1];
    if (kind === "fail") {
      response.statusCode = 500;
      response.end("receiver is down");
    } else if (kind === "redirect") {
      response.statusCode = 302;
      response.setHeader("Location", "http://127.0.0.1:1/elsewhere");
      response.end();
    } else if (kind === "slow") {
      setTimeout(() => response.end("late"), 3000);
    } else {
      response.end("ok");
    }
  }

  const server = createServer((request, response) => {
    answer(request, response).catch(() => {
      response.statusCode = 500;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("receiver did not listen");
  project.provide("webhookReceiver", `http://127.0.0.1:${address.port}`);

  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
