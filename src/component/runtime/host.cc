// Host interfaces and their lookup by import name (with semver-compatible versions).
#include <atomic>
#include <charconv>

#include "torvyn/component/runtime.h"

namespace torvyn::component {

uint32_t new_resource_type_id() {
  static std::atomic<uint32_t> next{1};
  return next.fetch_add(1);
}

uint32_t HostInstance::add_resource(const std::string& name, std::function<void(uint64_t)> destructor) {
  uint32_t id = new_resource_type_id();
  resources_[name] = Resource{id, std::move(destructor)};
  return id;
}

void HostInstance::add_function(const std::string& name, AbiFuncType type, HostFunction fn) {
  functions_[name] = Function{std::move(type), std::move(fn), {}, {}};
}

void HostInstance::add_fast_function(const std::string& name, AbiFuncType type, FastHostFunction fn) {
  functions_[name] = Function{std::move(type), {}, std::move(fn), {}};
}

void HostInstance::add_direct_function(const std::string& name, AbiFuncType type, DirectHostFunction fn) {
  functions_[name] = Function{std::move(type), {}, {}, std::move(fn)};
}

const HostInstance::Resource* HostInstance::resource(std::string_view name) const {
  auto it = resources_.find(name);
  return it == resources_.end() ? nullptr : &it->second;
}

const HostInstance::Function* HostInstance::function(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

void Linker::define(std::shared_ptr<HostInstance> instance) { instances_.push_back(std::move(instance)); }

namespace {

struct Versioned {
  std::string_view base;  // "ns:pkg/iface"
  bool has_version = false;
  uint64_t major = 0, minor = 0, patch = 0;
};

Versioned split(std::string_view name) {
  Versioned v;
  size_t at = name.rfind('@');
  v.base = name.substr(0, at);
  if (at == std::string_view::npos) return v;
  std::string_view ver = name.substr(at + 1);
  ver = ver.substr(0, ver.find_first_of("-+"));  // pre-release/build suffixes compare as their core version
  uint64_t parts[3] = {0, 0, 0};
  size_t i = 0;
  const char* p = ver.data();
  const char* end = ver.data() + ver.size();
  while (i < 3 && p < end) {
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc()) return Versioned{name, false};
    ++i;
    p = next;
    if (p < end && *p == '.') ++p;
  }
  v.has_version = true;
  v.major = parts[0];
  v.minor = parts[1];
  v.patch = parts[2];
  return v;
}

bool compatible(const Versioned& want, const Versioned& have) {
  if (want.base != have.base || want.has_version != have.has_version) return false;
  if (!want.has_version) return true;
  if (want.major != have.major) return false;
  return want.major != 0 || want.minor == have.minor;
}

}  // namespace

std::shared_ptr<HostInstance> Linker::find(std::string_view import_name) const {
  for (const auto& i : instances_)
    if (i->name() == import_name) return i;
  Versioned want = split(import_name);
  for (const auto& i : instances_)
    if (compatible(want, split(i->name()))) return i;
  return nullptr;
}

const HostInstance::Resource* Linker::resource_by_id(uint32_t id) const {
  for (const auto& i : instances_)
    for (const auto& [name, r] : i->resources())
      if (r.id == id) return &r;
  return nullptr;
}

}  // namespace torvyn::component
