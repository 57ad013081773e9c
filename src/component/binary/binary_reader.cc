// Component binary decoding: preamble, section framing and the definitions of each section. The
// type grammar lives in decode_types.cc, byte-level reading in byte_reader.cc.
#include "torvyn/component/binary_reader.h"

#include <new>
#include <utility>

#include "byte_reader.h"
#include "decode_types.h"

namespace torvyn::component {
namespace {

using binary_detail::ByteReader;
using binary_detail::DecodeFailure;
using binary_detail::DecodeState;
using binary_detail::DepthGuard;
using binary_detail::hex;
using binary_detail::hex_byte;

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6d};
constexpr uint8_t kComponentVersion = 0x0d;  // what wit-component (jco, cargo-component) emits

const char* section_name(uint8_t id) {
  static const char* names[] = {"custom section",   "core module section", "core instance section",
                                "core type section", "component section",  "instance section",
                                "alias section",     "type section",       "canon section",
                                "start section",     "import section",     "export section",
                                "value section"};
  return id < 13 ? names[id] : "unknown section";
}

std::string bytes_at(const ByteReader& r, size_t at, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += (i ? " " : "") + hex_byte(r.state().base[at + i]);
  return s;
}

// The 8-byte preamble of a component: magic, version 0x0d 0x00, layer 0x01 0x00.
void read_component_preamble(ByteReader& r) {
  const size_t at = r.pos();
  if (r.remaining() < 8) {
    bool magic_ok = true;
    for (size_t i = 0; i < r.remaining() && i < 4; ++i) magic_ok &= r.state().base[at + i] == kMagic[i];
    r.malformed(at, std::string("expected the 8-byte preamble (\\0asm, version, layer), found ") +
                        (r.remaining() == 0 ? "no bytes" : std::to_string(r.remaining()) + " bytes") +
                        (magic_ok ? "" : " that are not \\0asm"));
  }
  const uint8_t* p = r.state().base + at;
  if (p[0] != kMagic[0] || p[1] != kMagic[1] || p[2] != kMagic[2] || p[3] != kMagic[3])
    r.malformed(at, "expected the magic bytes 0x00 0x61 0x73 0x6d (\\0asm), found " + bytes_at(r, at, 4) +
                        "; this is not a WebAssembly binary");
  if (p[6] == 0x00 && p[7] == 0x00) {
    if (p[4] == 0x01 && p[5] == 0x00)
      r.malformed(at + 4, "this is a core module, not a component (version 0x01 0x00, layer 0x00 0x00); "
                          "turn it into a component first (e.g. `jco new` or `wasm-tools component new`)");
    r.malformed(at + 4, "expected layer 0x01 0x00 (a component), found layer 0x00 0x00 (a core module) with "
                        "unknown version " + bytes_at(r, at + 4, 2));
  }
  if (p[6] != 0x01 || p[7] != 0x00)
    r.malformed(at + 6, "expected layer 0x01 0x00 (a component), found " + bytes_at(r, at + 6, 2));
  if (p[4] != kComponentVersion || p[5] != 0x00)
    r.unsupported(at + 4, "component binary version " + bytes_at(r, at + 4, 2) +
                              " is not supported; expected 0x0d 0x00 (the version wit-component and jco emit)");
  r.take(8, "the preamble");
}

// A core module section holds a whole core module; only its preamble is checked here.
void check_core_module_preamble(ByteReader& r) {
  const size_t at = r.pos();
  const uint8_t* p = r.state().base + at;
  if (r.remaining() < 8 || p[0] != kMagic[0] || p[1] != kMagic[1] || p[2] != kMagic[2] || p[3] != kMagic[3])
    r.expected("a core module (\\0asm, version 1)", at);
  if (p[6] == 0x01 && p[7] == 0x00)
    r.malformed(at, "expected a core module, found a component; nested components belong in a component "
                    "section (4)");
  if (p[4] != 0x01 || p[5] != 0x00 || p[6] != 0x00 || p[7] != 0x00)
    r.unsupported(at + 4, "core module version " + bytes_at(r, at + 4, 4) + " is not supported; expected 0x01 "
                                                                             "0x00 0x00 0x00");
}

class SectionDecoder {
 public:
  SectionDecoder(Component& c, std::string nest) : c_(c), nest_(std::move(nest)) {}

  void body(ByteReader& r) {
    while (!r.at_end()) {
      const size_t at = r.pos();
      uint8_t id = r.peek("a section id");
      if (id > 12) r.expected("a section id (0 to 12)", at);
      r.byte("a section id");
      std::string where = section_name(id) + nest_;
      uint32_t size = r.u32("the size of the " + std::string(section_name(id)));
      if (size > r.remaining())
        r.malformed(at, "the " + std::string(section_name(id)) + " claims " + std::to_string(size) +
                            " bytes but only " + std::to_string(r.remaining()) + " remain");
      ByteReader s = r.sub(size, where, "a section");
      section(id, s);
      if (!s.at_end())
        s.malformed(s.pos(), std::to_string(s.remaining()) + " bytes left over at the end of the section "
                                                             "(its size and its contents disagree)");
    }
  }

 private:
  template <typename T>
  void add(T&& def, size_t at) {
    c_.definitions.emplace_back(std::forward<T>(def));
    c_.offsets.push_back(at);
  }

  void section(uint8_t id, ByteReader& s) {
    switch (id) {
      case 0: custom(s); break;
      case 1: core_module(s); break;
      case 2: each(s, "the number of core instances", [&](size_t at) { add(core_instance(s), at); }); break;
      case 3: each(s, "the number of core types", [&](size_t at) { add(binary_detail::read_core_type(s, false), at); }); break;
      case 4: nested_component(s); break;
      case 5: each(s, "the number of instances", [&](size_t at) { add(instance(s), at); }); break;
      case 6: each(s, "the number of aliases", [&](size_t at) { add(binary_detail::read_alias(s), at); }); break;
      case 7: each(s, "the number of types", [&](size_t at) { add(binary_detail::read_type(s), at); }); break;
      case 8: each(s, "the number of canonical functions", [&](size_t at) { add(canon(s), at); }); break;
      case 9: {
        const size_t at = s.pos();
        add(start(s), at);
        break;
      }
      case 10: each(s, "the number of imports", [&](size_t at) { add(import(s), at); }); break;
      case 11: each(s, "the number of exports", [&](size_t at) { add(export_(s), at); }); break;
      case 12: s.unsupported(s.pos(), "value definitions (section 12) are not supported");
    }
  }

  template <typename F>
  void each(ByteReader& s, const char* what, F&& one) {
    uint32_t n = s.count(what);
    for (uint32_t i = 0; i < n; ++i) one(s.pos());
  }

  void custom(ByteReader& s) {
    const size_t at = s.pos();
    CustomSection cs;
    cs.name = s.name("a custom section name");
    cs.data = s.take(s.remaining(), "custom section data");
    add(std::move(cs), at);
  }

  void core_module(ByteReader& s) {
    const size_t at = s.pos();
    check_core_module_preamble(s);
    CoreModule m;
    m.bytes = s.take(s.remaining(), "a core module");
    m.offset = at;
    add(std::move(m), at);
  }

  void nested_component(ByteReader& s) {
    const size_t at = s.pos();
    DepthGuard guard(s, at);
    read_component_preamble(s);
    auto nested = std::make_shared<Component>();
    nested->offset = at;
    SectionDecoder inner(*nested, " of the nested component at " + hex(at));
    inner.body(s);
    add(std::move(nested), at);
  }

  CoreInstance core_instance(ByteReader& s) {
    CoreInstance ci;
    const size_t at = s.pos();
    switch (s.byte("a core instance kind (0x00 instantiate, 0x01 exports)")) {
      case 0x00: {
        ci.kind = CoreInstance::Kind::Instantiate;
        ci.module = s.u32("a core module index");
        uint32_t n = s.count("the number of instantiation arguments");
        for (uint32_t i = 0; i < n; ++i) {
          CoreInstantiateArg a;
          a.name = s.name("an instantiation argument name");
          s.expect_byte(0x12, "0x12 (the core instance sort)");
          a.instance = s.u32("a core instance index");
          ci.args.push_back(std::move(a));
        }
        break;
      }
      case 0x01: {
        ci.kind = CoreInstance::Kind::FromExports;
        uint32_t n = s.count("the number of core exports");
        for (uint32_t i = 0; i < n; ++i) {
          CoreInlineExport e;
          e.name = s.name("a core export name");
          e.sort = binary_detail::read_core_sort(s);
          e.index = s.u32("an index");
          ci.exports.push_back(std::move(e));
        }
        break;
      }
      default: s.expected("a core instance kind (0x00 instantiate, 0x01 exports)", at);
    }
    return ci;
  }

  ComponentInstance instance(ByteReader& s) {
    ComponentInstance ci;
    const size_t at = s.pos();
    switch (s.byte("an instance kind (0x00 instantiate, 0x01 exports)")) {
      case 0x00: {
        ci.kind = ComponentInstance::Kind::Instantiate;
        ci.component = s.u32("a component index");
        uint32_t n = s.count("the number of instantiation arguments");
        for (uint32_t i = 0; i < n; ++i) {
          InstantiateArg a;
          a.name = s.name("an instantiation argument name");
          a.sort = binary_detail::read_sort(s);
          a.index = s.u32("an index");
          ci.args.push_back(std::move(a));
        }
        break;
      }
      case 0x01: {
        ci.kind = ComponentInstance::Kind::FromExports;
        uint32_t n = s.count("the number of exports");
        for (uint32_t i = 0; i < n; ++i) {
          InlineExport e;
          auto nm = binary_detail::read_extern_name(s, "an export name");
          e.name = std::move(nm.name);
          e.version_suffix = std::move(nm.version_suffix);
          e.sort = binary_detail::read_sort(s);
          e.index = s.u32("an index");
          ci.exports.push_back(std::move(e));
        }
        break;
      }
      default: s.expected("an instance kind (0x00 instantiate, 0x01 exports)", at);
    }
    return ci;
  }

  CanonOptions canon_options(ByteReader& s) {
    CanonOptions o;
    bool have_encoding = false;
    uint32_t n = s.count("the number of canon options");
    for (uint32_t i = 0; i < n; ++i) {
      const size_t at = s.pos();
      uint8_t op = s.byte("a canon option");
      auto set_index = [&](std::optional<Index>& slot, const char* name, const char* what) {
        if (slot) s.invalid(at, std::string("duplicate ") + name + " option");
        slot = s.u32(what);
      };
      switch (op) {
        case 0x00: case 0x01: case 0x02:
          if (have_encoding) s.invalid(at, "conflicting string-encoding options");
          have_encoding = true;
          o.encoding = static_cast<CanonOptions::Encoding>(op);
          break;
        case 0x03: set_index(o.memory, "memory", "a core memory index"); break;
        case 0x04: set_index(o.realloc, "realloc", "a core func index"); break;
        case 0x05: set_index(o.post_return, "post-return", "a core func index"); break;
        case 0x06: s.unsupported(at, "the async canon option (0x06) is not supported");
        case 0x07: s.unsupported(at, "the callback canon option (0x07, async) is not supported");
        default:
          if (op < 0x10) s.unsupported(at, "canon option " + hex_byte(op) + " is not supported");
          s.expected("a canon option (0x00-0x05)", at);
      }
    }
    return o;
  }

  Canon canon(ByteReader& s) {
    Canon c;
    const size_t at = s.pos();
    uint8_t op = s.byte("a canon opcode");
    switch (op) {
      case 0x00:
        c.kind = Canon::Kind::Lift;
        s.expect_byte(0x00, "0x00 (the core func sort) after canon lift");
        c.core_func = s.u32("a core func index");
        c.options = canon_options(s);
        c.type_index = s.u32("a type index");
        break;
      case 0x01:
        c.kind = Canon::Kind::Lower;
        s.expect_byte(0x00, "0x00 (the func sort) after canon lower");
        c.func = s.u32("a func index");
        c.options = canon_options(s);
        break;
      case 0x02: c.kind = Canon::Kind::ResourceNew; c.type_index = s.u32("a resource type index"); break;
      case 0x03: c.kind = Canon::Kind::ResourceDrop; c.type_index = s.u32("a resource type index"); break;
      case 0x04: c.kind = Canon::Kind::ResourceRep; c.type_index = s.u32("a resource type index"); break;
      case 0x07: s.unsupported(at, "canon resource.drop async (0x07) is not supported");
      default:
        s.unsupported(at, "canon built-in " + hex_byte(op) +
                              " is not supported (only lift, lower and resource.new/drop/rep are; async, "
                              "stream, future, error-context and thread built-ins are not)");
    }
    return c;
  }

  Start start(ByteReader& s) {
    Start st;
    st.func = s.u32("a func index");
    uint32_t n = s.count("the number of start arguments");
    for (uint32_t i = 0; i < n; ++i) st.args.push_back(s.u32("a value index"));
    st.results = s.u32("the number of start results");
    return st;
  }

  Import import(ByteReader& s) {
    Import im;
    auto nm = binary_detail::read_extern_name(s, "an import name");
    im.name = std::move(nm.name);
    im.version_suffix = std::move(nm.version_suffix);
    im.desc = binary_detail::read_externdesc(s);
    return im;
  }

  Export export_(ByteReader& s) {
    Export ex;
    auto nm = binary_detail::read_extern_name(s, "an export name");
    ex.name = std::move(nm.name);
    ex.version_suffix = std::move(nm.version_suffix);
    ex.sort = binary_detail::read_sort(s);
    ex.index = s.u32("an index");
    const size_t at = s.pos();
    switch (s.byte("0x00 or 0x01 (an optional export type)")) {
      case 0x00: break;
      case 0x01: ex.desc = binary_detail::read_externdesc(s); break;
      default: s.expected("0x00 or 0x01 (an optional export type)", at);
    }
    return ex;
  }

  Component& c_;
  std::string nest_;
};

}  // namespace

Result<std::shared_ptr<const DecodedComponent>> decode_component(std::vector<uint8_t> bytes,
                                                                 const DecodeLimits& limits) {
  try {
    auto d = std::make_shared<DecodedComponent>();
    d->bytes = std::move(bytes);
    DecodeState state;
    state.base = d->bytes.data();
    state.size = d->bytes.size();
    state.max_depth = limits.max_nesting;
    state.max_items = limits.max_items;
    ByteReader r(state, 0, state.size, "preamble");
    read_component_preamble(r);
    ByteReader body(state, r.pos(), state.size, "section header");
    SectionDecoder(d->component, "").body(body);
    return std::shared_ptr<const DecodedComponent>(std::move(d));
  } catch (DecodeFailure& f) {
    return std::move(f.error);
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::ComponentUnsupported, "component binary too large to decode: out of memory");
  }
}

BinaryKind sniff_binary_kind(std::span<const uint8_t> b) {
  if (b.size() < 8 || b[0] != kMagic[0] || b[1] != kMagic[1] || b[2] != kMagic[2] || b[3] != kMagic[3])
    return BinaryKind::Unknown;
  if (b[6] == 0x00 && b[7] == 0x00) return BinaryKind::CoreModule;
  if (b[6] == 0x01 && b[7] == 0x00) return BinaryKind::Component;
  return BinaryKind::Unknown;
}

}  // namespace torvyn::component
