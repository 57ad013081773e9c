#include "torvyn/component/handle_table.h"

#include <string>

namespace torvyn::component {
namespace {
Error handle_error(std::string m) { return Error(ErrorCode::ResourceHandleError, std::move(m)); }
}  // namespace

Error HandleTable::not_found(uint32_t index, uint32_t resource) const {
  if (index == 0 || index >= entries_.size() || !entries_[index].live)
    return handle_error("unknown or already dropped resource handle " + std::to_string(index));
  (void)resource;
  return handle_error("resource handle " + std::to_string(index) + " is of another resource type");
}

Error HandleTable::lent_out(uint32_t index) {
  return handle_error("resource handle " + std::to_string(index) + " is still lent out to a call");
}

Error HandleTable::not_owned(uint32_t index) {
  return handle_error("resource handle " + std::to_string(index) + " is borrowed, not owned, and cannot be given away");
}

Result<HandleEntry*> HandleTable::get(uint32_t index, uint32_t resource) {
  if (HandleEntry* e = find(index, resource)) return e;
  return not_found(index, resource);
}

Result<HandleEntry> HandleTable::remove(uint32_t index, uint32_t resource) {
  HandleEntry* e = find(index, resource);
  if (!e) return not_found(index, resource);
  if (e->lends != 0) return lent_out(index);
  HandleEntry out = *e;
  erase(index);
  return out;
}

Result<uint64_t> HandleTable::lift_own(uint32_t index, uint32_t resource) {
  HandleEntry* e = find(index, resource);
  if (!e) return not_found(index, resource);
  if (!e->own) return not_owned(index);
  if (e->lends != 0) return lent_out(index);
  uint64_t rep = e->rep;
  erase(index);
  return rep;
}

Result<uint64_t> HandleTable::lift_borrow(uint32_t index, uint32_t resource) {
  HandleEntry* e = find(index, resource);
  if (!e) return not_found(index, resource);
  ++e->lends;
  return e->rep;
}

}  // namespace torvyn::component
