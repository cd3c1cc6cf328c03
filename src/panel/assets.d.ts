/** The panel's chart library (uPlot), bundled as text (the `Text` module rules of wrangler.toml). */
declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}
declare module "uplot/dist/uPlot.min.css" {
  const text: string;
  export default text;
}
