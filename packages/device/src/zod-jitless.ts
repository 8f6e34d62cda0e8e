import * as z from "zod";

// zod compiles a parser for each object schema with new Function, and decides whether it may
// while building the schema, by looking for a Cloudflare `navigator` (which loads Node's
// navigator module). A client parsing a message every few seconds gains nothing from the
// generated code and keeps it and its source in memory; zod's interpreted parsers do the same
// checks. Imported first by the process's entry point, before any schema is built.
z.config({ jitless: true });
