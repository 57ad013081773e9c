#include "torvyn/wit/model.h"

namespace torvyn::wit {

namespace {

// Alias chains are acyclic in a resolved model; the cap only guards models still being built.
constexpr int kMaxAliasChain = 100000;

// "ns:pkg/item@1.0.0" -> package "ns:pkg@1.0.0" (or "ns:pkg") and item "item".
bool split_id(std::string_view id, std::string* package, std::string* item) {
  std::string_view version;
  if (size_t at = id.find('@'); at != std::string_view::npos) {
    version = id.substr(at + 1);
    id = id.substr(0, at);
  }
  size_t slash = id.rfind('/');
  if (slash == std::string_view::npos || id.find(':') == std::string_view::npos) return false;
  *package = std::string(id.substr(0, slash));
  if (!version.empty()) *package += "@" + std::string(version);
  *item = std::string(id.substr(slash + 1));
  return true;
}

const WorldItem* find_item(const std::vector<WorldItem>& items, std::string_view name) {
  for (const auto& i : items)
    if (i.name == name) return &i;
  for (const auto& i : items) {
    if (!i.interface_name || !i.interface) continue;
    std::string id = i.interface->id();
    if (size_t at = id.find('@'); at != std::string::npos && id.substr(0, at) == name) return &i;
  }
  const WorldItem* unique = nullptr;
  for (const auto& i : items) {
    if (!i.interface_name || !i.interface || i.interface->name != name) continue;
    if (unique) return nullptr;
    unique = &i;
  }
  return unique;
}

}  // namespace

const TypeDef* dealias(const TypeDef* def) {
  for (int i = 0; def && i < kMaxAliasChain; ++i) {
    if (def->kind != TypeDefKind::Alias || !def->target || !def->target->def) return def;
    def = def->target->def;
  }
  return def;
}

Type dealias(Type t) {
  for (int i = 0; t.def && i < kMaxAliasChain; ++i) {
    if (t.def->kind != TypeDefKind::Alias || !t.def->target) return t;
    t = *t.def->target;
  }
  return t;
}

const TypeDef* handle_resource(const TypeDef* handle) {
  if (!handle || handle->kind != TypeDefKind::Handle) return nullptr;
  return dealias(handle->resource);
}

bool is_resource(const TypeDef* def) {
  const TypeDef* d = dealias(def);
  return d && d->kind == TypeDefKind::Resource;
}

std::string Function::component_name() const {
  switch (kind) {
    case FunctionKind::Freestanding: return name;
    case FunctionKind::Method: return "[method]" + (resource ? resource->name : "") + "." + name;
    case FunctionKind::Static: return "[static]" + (resource ? resource->name : "") + "." + name;
    case FunctionKind::Constructor: return "[constructor]" + (resource ? resource->name : "");
  }
  return name;
}

std::string Function::qualified_name() const {
  if (kind == FunctionKind::Freestanding || !resource) return name;
  return resource->name + "." + name;
}

std::string Interface::id() const {
  if (name.empty() || !package) return "";
  std::string s = package->name.unversioned() + "/" + name;
  if (package->name.version) s += "@" + package->name.version->to_string();
  return s;
}

const TypeDef* Interface::type(std::string_view n) const {
  for (const TypeDef* t : types)
    if (t->name == n) return t;
  return nullptr;
}

const Function* Interface::function(std::string_view n) const {
  for (const Function* f : functions)
    if (f->kind == FunctionKind::Freestanding && f->name == n) return f;
  for (const Function* f : functions)
    if (f->kind != FunctionKind::Freestanding && (f->qualified_name() == n || f->component_name() == n)) return f;
  return nullptr;
}

std::vector<const Function*> Interface::resource_functions(const TypeDef* resource) const {
  std::vector<const Function*> out;
  for (const Function* f : functions)
    if (f->resource == resource) out.push_back(f);
  return out;
}

std::string World::id() const {
  if (!package) return name;
  std::string s = package->name.unversioned() + "/" + name;
  if (package->name.version) s += "@" + package->name.version->to_string();
  return s;
}

const WorldItem* World::find_import(std::string_view n) const { return find_item(imports, n); }
const WorldItem* World::find_export(std::string_view n) const { return find_item(exports, n); }

std::string PackageName::to_string() const {
  std::string s = unversioned();
  if (version) s += "@" + version->to_string();
  return s;
}

std::string PackageName::unversioned() const { return ns + ":" + name; }

const Interface* Package::interface(std::string_view n) const {
  for (const Interface* i : interfaces)
    if (i->name == n) return i;
  return nullptr;
}

const World* Package::world(std::string_view n) const {
  for (const World* w : worlds)
    if (w->name == n) return w;
  return nullptr;
}

const Package* Resolve::package(std::string_view n) const {
  for (const auto& p : packages)
    if (p->name.to_string() == n) return p.get();
  const Package* unique = nullptr;
  for (const auto& p : packages) {
    if (p->name.unversioned() != n) continue;
    if (unique) return nullptr;
    unique = p.get();
  }
  return unique;
}

const Interface* Resolve::interface(std::string_view id) const {
  std::string pkg, item;
  if (!split_id(id, &pkg, &item)) return nullptr;
  const Package* p = package(pkg);
  return p ? p->interface(item) : nullptr;
}

const World* Resolve::world(std::string_view id) const {
  std::string pkg, item;
  if (!split_id(id, &pkg, &item)) return nullptr;
  const Package* p = package(pkg);
  return p ? p->world(item) : nullptr;
}

Result<const World*> Resolve::select_world(std::string_view spec) const {
  auto names = [](const Package* p) {
    std::string s;
    for (const World* w : p->worlds) s += (s.empty() ? "`" : ", `") + w->name + "`";
    return s.empty() ? std::string("none") : s;
  };
  if (spec.find(':') != std::string_view::npos) {
    if (const World* w = world(spec)) return w;
    return Error(ErrorCode::WitUnresolvedName, "no world `" + std::string(spec) + "` among the parsed packages");
  }
  if (!root) return Error(ErrorCode::WitUnresolvedName, "there is no root package to select a world from");
  if (spec.empty()) {
    if (root->worlds.size() == 1) return root->worlds.front();
    return Error(ErrorCode::WitUnresolvedName,
                 "package `" + root->name.to_string() + "` has " + std::to_string(root->worlds.size()) +
                     " worlds; name one (worlds: " + names(root) + ")");
  }
  if (const World* w = root->world(spec)) return w;
  return Error(ErrorCode::WitUnresolvedName, "package `" + root->name.to_string() + "` has no world `" +
                                                 std::string(spec) + "` (worlds: " + names(root) + ")");
}

std::string_view kind_name(TypeDefKind k) {
  switch (k) {
    case TypeDefKind::Record: return "record";
    case TypeDefKind::Variant: return "variant";
    case TypeDefKind::Enum: return "enum";
    case TypeDefKind::Flags: return "flags";
    case TypeDefKind::Resource: return "resource";
    case TypeDefKind::Handle: return "handle";
    case TypeDefKind::Tuple: return "tuple";
    case TypeDefKind::List: return "list";
    case TypeDefKind::Option: return "option";
    case TypeDefKind::Result: return "result";
    case TypeDefKind::Map: return "map";
    case TypeDefKind::Future: return "future";
    case TypeDefKind::Stream: return "stream";
    case TypeDefKind::Alias: return "type alias";
  }
  return "type";
}

std::string_view primitive_name(TypeKind k) {
  switch (k) {
    case TypeKind::Bool: return "bool";
    case TypeKind::U8: return "u8";
    case TypeKind::U16: return "u16";
    case TypeKind::U32: return "u32";
    case TypeKind::U64: return "u64";
    case TypeKind::S8: return "s8";
    case TypeKind::S16: return "s16";
    case TypeKind::S32: return "s32";
    case TypeKind::S64: return "s64";
    case TypeKind::F32: return "f32";
    case TypeKind::F64: return "f64";
    case TypeKind::Char: return "char";
    case TypeKind::String: return "string";
    case TypeKind::Def: return "";
  }
  return "";
}

}  // namespace torvyn::wit
