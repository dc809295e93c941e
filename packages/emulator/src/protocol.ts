/**
 * Wire encodings. AWS JSON 1.1 (ECS, ECR, CloudWatch Logs): body is the
 * output shape, timestamps are epoch seconds, errors are
 * `{"__type": "<Code>", "message": "..."}` with the error's status
 * (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html).
 * Query (STS): form-encoded request, XML response wrapped in
 * `<OpResponse><OpResult>…</OpResult><ResponseMetadata>`, errors as
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html).
 */

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const STS_XML_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** JSON text of an output shape: Dates become epoch seconds (with milliseconds), undefined is dropped. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(
    value ?? {},
    function replacer(this: Record<string, unknown>, key: string, current: unknown) {
      const raw = key === '' ? value : this[key];
      if (raw instanceof Date) return raw.getTime() / 1000;
      return current;
    },
  );
}

export function encodeJsonError(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}

export interface QueryRequest {
  action: string;
  version?: string;
  params: Record<string, string>;
}

export function parseQueryBody(body: string): QueryRequest {
  const search = new URLSearchParams(body);
  const params: Record<string, string> = {};
  for (const [key, value] of search) params[key] = value;
  const { Action: action = '', Version: version, ...rest } = params;
  return { action, version, params: rest };
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** XML elements for a Query output shape: keys are element names, lists use `<member>`, Dates ISO-8601. */
export function toXmlElements(value: unknown, indent = '  '): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return escapeXml(value.toISOString());
  if (Array.isArray(value)) {
    return (
      value.map((item) => `\n${indent}<member>${toXmlElements(item, `${indent}  `)}</member>`).join('') +
      `\n${indent.slice(2)}`
    );
  }
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === undefined || item === null) continue;
      parts.push(`\n${indent}<${key}>${toXmlElements(item, `${indent}  `)}</${key}>`);
    }
    return parts.join('') + `\n${indent.slice(2)}`;
  }
  return escapeXml(String(value));
}

export function encodeQueryResponse(operation: string, result: unknown, requestId: string): string {
  return (
    `<${operation}Response xmlns="${STS_XML_NAMESPACE}">\n` +
    `  <${operation}Result>${toXmlElements(result, '    ')}</${operation}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n` +
    `</${operation}Response>\n`
  );
}

/** `Type` is Sender for client errors and Receiver for server errors. */
export function encodeQueryError(code: string, message: string, status: number, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${STS_XML_NAMESPACE}">\n` +
    `  <Error>\n    <Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>\n    <Code>${escapeXml(code)}</Code>\n` +
    `    <Message>${escapeXml(message)}</Message>\n  </Error>\n` +
    `  <RequestId>${requestId}</RequestId>\n` +
    `</ErrorResponse>\n`
  );
}

/** Access key id from a SigV4 `Authorization` header (`AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, …`). */
export function accessKeyIdFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /Credential=([^/,\s]+)\//.exec(header)?.[1];
}

/** Region of a SigV4 `Authorization` header's credential scope (`Credential=AKID/date/region/service/aws4_request`). */
export function regionFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  return /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\//.exec(header)?.[1];
}
