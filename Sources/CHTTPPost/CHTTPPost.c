#include "CHTTPPost.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t fs_curl_once = PTHREAD_ONCE_INIT;
static CURLcode fs_curl_global = CURLE_OK;

static void fs_curl_init(void) { fs_curl_global = curl_global_init(CURL_GLOBAL_DEFAULT); }

/// The answer's body is not needed: read and dropped.
static size_t fs_discard(char *data, size_t size, size_t count, void *user) {
  (void)data;
  (void)user;
  return size * count;
}

void fs_http_abandon(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELAXED); }

int fs_http_is_set(const int *flag) { return __atomic_load_n(flag, __ATOMIC_RELAXED); }

/// libcurl's progress callback: non-zero (give up) once the caller's flag is set.
static int fs_check_abandon(
  void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  return __atomic_load_n((const int *)user, __ATOMIC_RELAXED) != 0;
}

void fs_http_post(
  const char *url, const char *body, size_t length, const char *ca_file, long timeout_ms,
  const int *abandon, fs_http_result *result) {
  memset(result, 0, sizeof *result);
  pthread_once(&fs_curl_once, fs_curl_init);
  if (fs_curl_global != CURLE_OK) {
    result->curl_code = (int)fs_curl_global;
    snprintf(result->error, sizeof result->error, "libcurl: %s", curl_easy_strerror(fs_curl_global));
    return;
  }
  CURL *curl = curl_easy_init();
  if (!curl) {
    result->curl_code = (int)CURLE_FAILED_INIT;
    snprintf(result->error, sizeof result->error, "libcurl could not start a request");
    return;
  }
  char error[CURL_ERROR_SIZE];
  error[0] = 0;
  struct curl_slist *headers = NULL;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  // No "Expect: 100-continue" round trip for larger bodies.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "flashscan");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)length);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fs_discard);
  if (abandon) {
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, fs_check_abandon);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)abandon);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  }
  CURLcode code = curl_easy_perform(curl);
  result->curl_code = (int)code;
  result->abandoned = code == CURLE_ABORTED_BY_CALLBACK;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->status);
  if (code != CURLE_OK) {
    snprintf(
      result->error, sizeof result->error, "%s", error[0] ? error : curl_easy_strerror(code));
    size_t n = strlen(result->error);
    while (n > 0 && (result->error[n - 1] == '\n' || result->error[n - 1] == '\r')) {
      result->error[--n] = 0;
    }
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
}
