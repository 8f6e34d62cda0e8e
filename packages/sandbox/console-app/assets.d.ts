// Stylesheets imported by the entry point: esbuild bundles them into console.css.
declare module "*.css";
