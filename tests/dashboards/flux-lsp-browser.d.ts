// The package declares types for its entry only; flux-check.ts imports the module behind it.
declare module "@influxdata/flux-lsp-browser/flux-lsp-browser_bg.js" {
  export * from "@influxdata/flux-lsp-browser";
}
