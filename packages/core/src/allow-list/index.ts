export * from "./allow-list-cache.ts";
export * from "./allow-list-errors.ts";
export * from "./assert-valid-allow-list.ts";
export * from "./diff-allow-list.ts";
export * from "./packed-serial-set.ts";
export * from "./parse-allow-list.ts";
export * from "./parsed-allow-list.ts";
export * from "./preview-allow-list-upload.ts";
