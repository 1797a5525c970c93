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
} fs_http_result;

/// POSTs `length` bytes of `body` to `url` (http:// or https:// only; redirects are not
/// followed) as `Content-Type: application/json`, the whole exchange bounded by `timeout_ms`
/// milliseconds (name lookup, connect, TLS handshake, send and answer together). `ca_file`: a
/// PEM file of the certificate authorities to trust instead of the system's (NULL: the
/// system's). TLS peers and host names are always verified. Thread-safe (no signals used).
void fs_http_post(
  const char *url, const char *body, size_t length, const char *ca_file, long timeout_ms,
  fs_http_result *result);

#ifdef __cplusplus
}
#endif

#endif
