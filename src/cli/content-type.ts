/**
 * The Content-Type `publish` sends when none is given, guessed from the file's extension. The
 * gateway keeps it and serves the file with it, always as an attachment, so an unknown or
 * binary format is safest as `application/octet-stream`.
 */
import { extname } from "node:path";

const BY_EXTENSION: Record<string, string> = {
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  txt: "text/plain",
  md: "text/markdown",
  json: "application/json",
  jsonl: "application/x-ndjson",
  ndjson: "application/x-ndjson",
  xml: "application/xml",
  yaml: "application/yaml",
  yml: "application/yaml",
  sql: "application/sql",
  pdf: "application/pdf",
  html: "text/html",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xls: "application/vnd.ms-excel",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  parquet: "application/vnd.apache.parquet",
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  tar: "application/x-tar",
  zst: "application/zstd",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  svg: "image/svg+xml",
  // A .keras model is a zip inside, but it is meant for Keras, not for an archive tool. Other
  // model formats (.onnx, .pt, .pkl, .safetensors) have no registered type and fall through.
  keras: "application/octet-stream",
  h5: "application/x-hdf5",
};

export function guessContentType(path: string): string {
  const extension = extname(path).slice(1).toLowerCase();
  return BY_EXTENSION[extension] ?? "application/octet-stream";
}
