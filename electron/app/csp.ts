/**
 * The Content-Security-Policy of the app page. renderer/index.html carries the same policy as a
 * <meta> tag (the only way for file://); main also sends it as a header for http(s) responses (a
 * dev server), and the browser harness sends it on every response. No 'unsafe-inline' anywhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')
