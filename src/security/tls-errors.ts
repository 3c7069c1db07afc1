/**
 * The TLS failures a person must fix, by the `code` Node (OpenSSL) puts on the socket error: the
 * peer's certificate does not verify against the trusted CAs, names another host, has expired, or
 * the peer refused ours. Retrying cannot cure them, so they end the service (src/errors.ts isFatal)
 * instead of being waited out like an outage. This module imports nothing: any layer may read it.
 * Codes: https://nodejs.org/api/tls.html#x509-certificate-error-codes and OpenSSL's SSL alerts.
 */

/** The peer's certificate chain does not verify (a wrong or missing CA, most often). */
export const CERTIFICATE_VERIFY_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'INVALID_CA',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
]);

/** The certificate verifies but names another host. */
export const HOST_MISMATCH_CODES: ReadonlySet<string> = new Set(['ERR_TLS_CERT_ALTNAME_INVALID']);

/**
 * The peer refused the handshake: it wants a client certificate we did not send, does not trust
 * the one we sent, or does not speak TLS on that port at all.
 */
export const HANDSHAKE_REFUSED_CODES: ReadonlySet<string> = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Whether `code` is a TLS failure that only a change of configuration can cure. */
export const isTlsConfigurationCode = (code: string): boolean =>
  CERTIFICATE_VERIFY_CODES.has(code) || HOST_MISMATCH_CODES.has(code) || HANDSHAKE_REFUSED_CODES.has(code);
