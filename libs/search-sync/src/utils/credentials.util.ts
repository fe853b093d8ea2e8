// `scheme://user:password@`: the password of a connection URL (DATABASE_URL, an OpenSearch node).
const URL_PASSWORD = /\b([a-z][a-z\d+.-]*:\/\/[^\s:/@]*):[^\s@/]*@/gi;

/** `text` with the password of every URL in it replaced by `***`, for whatever is printed or logged. */
export function maskCredentials(text: string): string {
  return text.replace(URL_PASSWORD, '$1:***@');
}
