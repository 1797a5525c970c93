// One HTTP(S) POST through libcurl, for `flashscan watch --webhook` (module Live). libcurl is
// the library the toolchain's FoundationNetworking is built on; it is called directly because
// URLSession on Linux cannot be told which certificate authorities to trust (it always uses the
// system's bundle), and `--webhook-ca FILE` needs that (curl's --cacert).
#ifndef CHTTPPOST_H
#define CHTTPPOST_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The outcome of `fs_http_post`.
typedef struct fs_http_result {
  /// 0 when the request completed (any HTTP status); else libcurl's error code.
  int curl_code;
  /// The HTTP status of the answer (0 when there was none).
  long status;
  /// Why it failed, one line (libcurl's error text), empty when `curl_code` is 0.
  char error[256];
  /// 1 when the POST was given up because `*abandon` became non-zero.
  int abandoned;
} fs_http_result;

/// POSTs `length` bytes of `body` to `url` (http:// or https:// only; redirects are not
/// followed) as `Content-Type: application/json`, the whole exchange bounded by `timeout_ms`
/// milliseconds (name lookup, connect, TLS handshake, send and answer together). `ca_file`: a
/// PEM file of the certificate authorities to trust instead of the system's (NULL: the
/// system's). TLS peers and host names are always verified. Thread-safe (no signals used).
/// `abandon` (may be NULL): once `*abandon` is non-zero (set with `fs_http_abandon`, from any
/// thread), the POST is given up at libcurl's next progress call (about once a second at the
/// most, at every step of the exchange) and `result->abandoned` is 1.
void fs_http_post(
  const char *url, const char *body, size_t length, const char *ca_file, long timeout_ms,
  const int *abandon, fs_http_result *result);

/// Sets `*flag` to 1 (an atomic store), for a POST on another thread to give up.
void fs_http_abandon(int *flag);

/// `*flag` (an atomic load).
int fs_http_is_set(const int *flag);

#ifdef __cplusplus
}
#endif

#endif
