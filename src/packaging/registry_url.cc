#include "registry_url.h"

#include <algorithm>
#include <cctype>

namespace torvyn::packaging::detail {

std::string ascii_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string origin_of(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) return "";
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char *scheme = nullptr, *host = nullptr, *port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
      out = ascii_lower(std::string(scheme) + "://" + host + ":" + port);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

std::string host_of(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) return "";
  std::string out;
  char* host = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) out = ascii_lower(host);
  curl_free(host);
  curl_url_cleanup(u);
  if (out.size() > 2 && out.front() == '[') out = out.substr(1, out.size() - 2);
  return out;
}

std::string resolve_url(const std::string& base, const std::string& location) {
  CURLU* u = curl_url();
  if (!u) return "";
  std::string out;
  char* full = nullptr;
  if (curl_url_set(u, CURLUPART_URL, base.c_str(), 0) == CURLUE_OK && curl_url_set(u, CURLUPART_URL, location.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
    out = full;
  curl_free(full);
  curl_url_cleanup(u);
  return out;
}

std::string url_escape(CURL* curl, const std::string& s) {
  char* e = curl_easy_escape(curl, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

}  // namespace torvyn::packaging::detail
