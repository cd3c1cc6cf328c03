/** HTML files are bundled as text (wrangler's default module rule for `**\/*.html`). */
declare module "*.html" {
  const text: string;
  export default text;
}
