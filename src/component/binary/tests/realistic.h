// A component hand-assembled in the shape wit-component (jco new, cargo component) emits for a
// guest that imports an interface with a resource and exports one function: imported instance
// type, main/shim/fixup core modules, core instances wiring lowered imports through a shim table,
// canon lower/lift/resource.drop, and a nested shim component re-exporting the lifted function
// with its types. Used by the realistic, truncation and mutation tests and as a fuzz seed shape.
#pragma once

#include "encoder.h"

namespace torvyn::component::testenc {

inline Bytes small_core_module(std::string_view tag) {
  return cat({core_module_bytes(), section(0, cat({str("torvyn-test"), str(tag)}))});
}

inline Bytes realistic_component() {
  Bytes types_instance = instance_type({
      decl_export("buffer", ed_type_sub_resource()),                                  // 0
      decl_type(record({labeled("seq", {kU64}), labeled("ct", {kString})})),          // 1
      decl_export("meta", ed_type_eq(1)),                                             // 2
      decl_type(borrow(0)),                                                           // 3
      decl_type(func({labeled("self", idx(3))}, {kU64})),                             // 4
      decl_export("[method]buffer.size", ed_func(4)),
      decl_type(list({kU8})),                                                         // 5
      decl_type(func({labeled("self", idx(3))}, idx(5))),                             // 6
      decl_export("[method]buffer.read-all", ed_func(6)),
  });
  Bytes shim_component = component({
      section(kImport, vec({import("import-type-buffer", ed_type_sub_resource())})),             // t0
      section(kType, vec({record({labeled("seq", {kU64}), labeled("ct", {kString})})})),          // t1
      section(kImport, vec({import("import-type-meta", ed_type_eq(1)),                            // t2
                            import("import-type-buffer0", ed_type_eq(0))})),                      // t3
      section(kType, vec({borrow(3),                                                              // t4
                          option({kString}),                                                      // t5
                          variant({vcase("a"), vcase("b", {kString})}),                           // t6
                          result(idx(5), idx(6)),                                                 // t7
                          func({labeled("input", idx(4)), labeled("m", idx(2))}, idx(7))})),      // t8
      section(kImport, vec({import("import-func-process", ed_func(8))})),                         // f0
      section(kExport, vec({export_("buffer", kSortType, 0), export_("meta", kSortType, 2)})),    // t9, t10
      section(kType, vec({borrow(9),                                                              // t11
                          func({labeled("input", idx(11)), labeled("m", idx(10))}, idx(7))})),    // t12
      section(kExport, vec({export_typed("process", kSortFunc, 0, ed_func(12))})),
  });
  return component({
      section(kType, vec({types_instance})),                                                      // T0
      section(kImport, vec({import("test:demo/types@0.1.0", ed_instance(0))})),                   // I0
      section(kCoreModule, small_core_module("main")),                                            // M0
      section(kCoreModule, small_core_module("shim")),                                            // M1
      section(kCoreModule, small_core_module("fixup")),                                           // M2
      section(kAlias, vec({alias_export(kSortType, 0, "buffer"),                                  // T1
                           alias_export(kSortType, 0, "meta"),                                    // T2
                           alias_export(kSortFunc, 0, "[method]buffer.size"),                     // F0
                           alias_export(kSortFunc, 0, "[method]buffer.read-all")})),              // F1
      section(kCoreInstance, vec({core_instantiate(1, {})})),                                     // CI0 shim
      section(kAlias, vec({alias_core_export(kSortCoreFunc, 0, "0")})),                           // CF0
      section(kCanon, vec({lower(0, {}),                                                          // CF1
                           resource_drop(1)})),                                                   // CF2
      section(kCoreInstance,
              vec({core_exports({core_export("[method]buffer.size", 0x00, 1),                     // CI1
                                 core_export("[method]buffer.read-all", 0x00, 0),
                                 core_export("[resource-drop]buffer", 0x00, 2)}),
                   core_instantiate(0, {core_arg("test:demo/types@0.1.0", 1)})})),                // CI2 main
      section(kAlias, vec({alias_core_export(kSortCoreMemory, 2, "memory"),                       // CM0
                           alias_core_export(kSortCoreFunc, 2, "cabi_realloc"),                   // CF3
                           alias_core_export(kSortCoreTable, 0, "$imports")})),                   // CT0
      section(kCanon, vec({lower(1, {opt_memory(0), opt_realloc(3), kUtf8})})),                   // CF4
      section(kCoreInstance, vec({core_exports({core_export("$imports", 0x01, 0),                 // CI3
                                                core_export("0", 0x00, 4)}),
                                  core_instantiate(2, {core_arg("", 3)})})),                      // CI4 fixup
      section(kType, vec({borrow(1),                                                              // T3
                          option({kString}),                                                      // T4
                          variant({vcase("a"), vcase("b", {kString})}),                           // T5
                          result(idx(4), idx(5)),                                                 // T6
                          func({labeled("input", idx(3)), labeled("m", idx(2))}, idx(6))})),      // T7
      section(kAlias, vec({alias_core_export(kSortCoreFunc, 2, "test:demo/processor@0.1.0#process"),            // CF5
                           alias_core_export(kSortCoreFunc, 2, "cabi_post_test:demo/processor@0.1.0#process")})),  // CF6
      section(kCanon, vec({lift(5, {opt_memory(0), opt_realloc(3), kUtf8, opt_post_return(6)}, 7)})),           // F2
      section(kComponent, shim_component),                                                                       // C0
      section(kInstance, vec({instantiate(0, {arg("import-func-process", kSortFunc, 2),                          // I1
                                              arg("import-type-buffer", kSortType, 1),
                                              arg("import-type-meta", kSortType, 2),
                                              arg("import-type-buffer0", kSortType, 1)})})),
      section(kExport, vec({export_("test:demo/processor@0.1.0", kSortInstance, 1)})),
      section(kCustom, cat({str("producers"), vec({cat({str("processed-by"), vec({cat({str("torvyn-test"), str("1")})})})})})),
  });
}

}  // namespace torvyn::component::testenc
