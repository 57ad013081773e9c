#include <algorithm>
#include <queue>

#include "resolver_impl.h"

namespace torvyn::wit::detail {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_d = std::max<size_t>(1, name.size() / 3) + 1;
  for (const auto& c : candidates) {
    if (c.size() > 200) continue;
    size_t d = edit_distance(lower(name), lower(c));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string quoted_list(const std::vector<std::string>& names, size_t max) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max; ++i) {
    if (i) out += ", ";
    out += "`" + names[i] + "`";
  }
  if (names.size() > max) out += ", ...";
  return out;
}

Gate to_gate(const ast::Gate& g) {
  Gate out;
  out.since = g.since;
  out.unstable = g.unstable;
  out.deprecated = g.deprecated;
  return out;
}

PackageName to_name(const ast::PackageRef& r) {
  PackageName n;
  for (size_t i = 0; i < r.namespaces.size(); ++i) {
    if (i) n.ns += ":";
    n.ns += r.namespaces[i].name;
  }
  n.name = r.name.name;
  n.version = r.version;
  return n;
}

Topo topo_sort(const std::vector<std::vector<Edge>>& deps) {
  const size_t n = deps.size();
  std::vector<size_t> pending(n, 0);
  std::vector<std::vector<size_t>> users(n);
  for (size_t i = 0; i < n; ++i)
    for (const auto& e : deps[i]) {
      ++pending[i];
      users[e.to].push_back(i);
    }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(i);
  Topo t;
  std::vector<bool> done(n, false);
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    done[i] = true;
    t.order.push_back(i);
    for (size_t u : users[i])
      if (--pending[u] == 0) ready.push(u);
  }
  if (t.order.size() == n) return t;
  // Every remaining node depends on another remaining node: walking those edges finds a cycle.
  size_t start = 0;
  while (done[start]) ++start;
  std::vector<size_t> path;
  std::map<size_t, size_t> index;
  size_t cur = start;
  while (true) {
    index[cur] = path.size();
    path.push_back(cur);
    const Edge* next = nullptr;
    for (const auto& e : deps[cur])
      if (!done[e.to]) {
        next = &e;
        break;
      }
    if (!next) break;  // cannot happen, see above
    if (auto it = index.find(next->to); it != index.end()) {
      t.cycle.assign(path.begin() + static_cast<ptrdiff_t>(it->second), path.end());
      t.cycle_span = next->span;
      break;
    }
    cur = next->to;
  }
  return t;
}

}  // namespace torvyn::wit::detail
