// URL helpers of the registry client, over libcurl's URL API (curl_url_*): origins to decide where
// credentials may go, Location headers resolved against the request's URL, query escaping.
#pragma once

#include <curl/curl.h>

#include <string>

namespace torvyn::packaging::detail {

std::string ascii_lower(std::string s);
// "scheme://host:port" in lower case, the port made explicit ("" when the URL cannot be parsed).
std::string origin_of(const std::string& url);
// The host of a URL in lower case, without IPv6 brackets ("" when it cannot be parsed).
std::string host_of(const std::string& url);
// `location` (absolute or relative, as an upload's Location header may be) against `base`.
std::string resolve_url(const std::string& base, const std::string& location);
// `s` escaped for a query string.
std::string url_escape(CURL* curl, const std::string& s);

}  // namespace torvyn::packaging::detail
