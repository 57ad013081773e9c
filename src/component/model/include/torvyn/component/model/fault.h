// What the index-space model finds wrong with a component, before anyone words it. Each walk
// reports faults in its own words and error codes (its users, and its tests, have long read those),
// so the model says only what is wrong and where.
#pragma once

#include <cstdint>
#include <string>

#include "torvyn/component/ast.h"

namespace torvyn::component::model {

struct Fault {
  enum class Kind : uint8_t {
    OutOfRange,    // `sort` index `index` is past the end of its space (`use` says how it was named)
    NoExport,      // instance `index` exports nothing named `name` (aliased as a `sort`)
    NoCoreExport,  // core instance `index` exports nothing named `name`
    WrongSort,     // `name` is a `found` where a `sort` is wanted
    OuterTooFar,   // an outer alias `index` levels out reaches past the outermost scope
    OuterSort,     // an outer alias of a `sort`: only types, components and core modules are
    NotCoreItem,   // a `from-exports` core instance bundles a `sort` that is not a core item
    CoreAliasSort, // a core export alias of a `sort` that is not a core item
    NotPassable,   // an item of `sort` named as an export, argument or instance item
    NoArgument,    // a nested component's import `name` was given no instantiation argument
    Unindexed,     // an item of `sort` the walk does not index (values, where P::kValues is false)
    Empty,         // an empty `name` ("type definition", ...) where the decoder always puts one
  };
  // How an out-of-range index was named.
  enum class Use : uint8_t {
    Item,            // as an item: an export, an argument, an option, a definition's operand
    AliasedInstance, // as the instance an export alias reads
    Instantiated,    // as the component an instantiation instantiates
    OuterItem,       // as the item an outer alias names
  };

  Kind kind = Kind::OutOfRange;
  Use use = Use::Item;
  Sort sort = Sort::Func;
  Sort found = Sort::Func;
  uint64_t index = 0;
  std::string name;
};

}  // namespace torvyn::component::model
