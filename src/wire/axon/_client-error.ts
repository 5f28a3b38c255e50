// Requests Node's HTTP parser refuses before the axon sees them, answered with a coded body.
/**
 * What Node's HTTP parser refused, answered as every other refusal is (a coded JSON body) on a closing
 * connection: headers over the limit (431), a request not received within the server's request or
 * headers timeout (408), anything else that is not well-formed HTTP/1.1 (400).
 */
export function clientErrorResponse(nodeCode: string | undefined): string {
  const [status, reason, code, message] =
    nodeCode === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          'ERR_HEADERS_TOO_LARGE',
          'The request headers exceed the limit',
        ]
      : nodeCode === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [
            408,
            'Request Timeout',
            'ERR_DEADLINE_EXCEEDED',
            'The request was not received within the server timeout',
          ]
        : [
            400,
            'Bad Request',
            'ERR_HTTP_MALFORMED',
            `The request is not well-formed HTTP/1.1 (${nodeCode ?? 'unknown'})`,
          ];
  const body = JSON.stringify({ message, code });
  return (
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
