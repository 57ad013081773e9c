#include "torvyn/packaging/oci_resolve.h"

#include <fcntl.h>

#include "torvyn/base/file_read.h"
#include "torvyn/base/private_dir.h"
#include "torvyn/base/sha256.h"
#include "torvyn/packaging/artifact.h"
#include "torvyn/packaging/atomic_file.h"
#include "torvyn/packaging/registry_transfer.h"

namespace torvyn::packaging {

namespace fs = std::filesystem;

namespace {

// Pulls `ref` into the store and returns what the store then holds for it.
Result<StoredImage> pull_into_store(const ResolveRequest& rq, const RegistryRef& ref) {
  RegistryOptions opts;
  if (rq.options) {
    auto o = rq.options(ref);
    if (!o) return o.take_error();
    opts = std::move(*o);
  }
  auto client = RegistryClient::open(ref, std::move(opts));
  if (!client) return client.take_error();
  std::optional<Layout> have = stored_repository(rq.store, ref);
  auto pulled = pull_image(**client, have ? &*have : nullptr);
  if (!pulled) return pulled.take_error();
  if (auto s = store_pulled(rq.store, ref, pulled->layout); !s) return s.take_error();
  return find_in_store(rq.store, ref);
}

// The component layer as <store>/components/<hex>.wasm (kept when already there and intact).
Result<fs::path> materialize(const fs::path& store, const StoredImage& img) {
  auto bytes = component_bytes(img.layout, img.image);
  if (!bytes) return Error(bytes.error().code, img.dir.string() + ": " + bytes.error().message);
  const std::string hex = sha256_hex(*bytes);
  auto dfd = open_dir_nofollow(AT_FDCWD, store.string(), false, store.string());
  if (!dfd) return dfd.take_error();
  FdGuard sg(*dfd);
  auto cfd = open_dir_nofollow(sg.get(), "components", true, (store / "components").string());
  if (!cfd) return cfd.take_error();
  FdGuard cg(*cfd);
  const std::string name = hex + ".wasm";
  const fs::path path = store / "components" / name;
  bool exists = false;
  auto cur = read_file_nofollow(cg.get(), name, kMaxComponentFileBytes, path.string(), &exists);
  if (cur && exists && sha256_hex(*cur) == hex) return path;
  if (auto w = write_file_atomic_at(cg.get(), name, *bytes, 0644, Replace::Yes, path.string()); !w) return w.take_error();
  return path;
}

std::string keys_tried(const std::vector<Key>& keys) {
  std::string s;
  for (const Key& k : keys) s += (s.empty() ? "" : ", ") + k.id() + (k.source.empty() ? "" : " (" + k.source + ")");
  return s.empty() ? "none" : s;
}

}  // namespace

Result<FetchedImage> fetch_oci_image(const ResolveRequest& rq) {
  auto parsed = parse_registry_ref(rq.reference);
  if (!parsed) return parsed.take_error();
  const RegistryRef ref = *parsed;
  if (auto s = ensure_private_dir(rq.store.string(), DirTrust::NotWritableByOthers, "artifact store"); !s) return s.take_error();
  FetchedImage out;
  // A digest in the reference pins it; a lock pins a tag (unless asked to refresh it).
  const std::string pinned = !ref.digest.empty() ? ref.digest : rq.refresh ? "" : rq.locked_digest;
  if (!pinned.empty()) {
    RegistryRef by_digest = ref;
    by_digest.digest = pinned;
    auto hit = find_in_store(rq.store, by_digest);
    if (hit) {
      out.stored = std::move(*hit);
      out.origin = "store";
      return out;
    }
    if (hit.error().code != ErrorCode::ArtifactNotFound) return hit.take_error();
    auto p = pull_into_store(rq, by_digest);
    if (!p) return p.take_error();
    out.stored = std::move(*p);
    out.origin = "registry";
    return out;
  }
  RegistryRef by_tag = ref;
  if (by_tag.tag.empty()) by_tag.tag = "latest";  // what a registry serves for a bare repository
  auto p = pull_into_store(rq, by_tag);
  if (p) {
    out.stored = std::move(*p);
    out.origin = "registry";
    return out;
  }
  if (p.error().code != ErrorCode::RegistryUnreachable || rq.refresh) return p.take_error();
  auto hit = find_in_store(rq.store, by_tag);
  if (!hit) {
    Error e = p.take_error();
    e.message += "; and the local store has no copy of it (pull it once while the registry is reachable: torvyn pull " + by_tag.str() + ")";
    return e;
  }
  out.stored = std::move(*hit);
  out.origin = "store";
  out.note = "registry " + ref.host + " is unreachable: using the copy of " + by_tag.str() + " in the local store (" + out.stored.image.digest() +
             "), pulled earlier; pin it with `torvyn lock` to stop asking the registry";
  return out;
}

Result<ResolvedComponent> resolve_oci_component(const ResolveRequest& rq) {
  auto fetched = fetch_oci_image(rq);
  if (!fetched) return fetched.take_error();
  ResolvedComponent out;
  out.ref = *parse_registry_ref(rq.reference);
  out.origin = fetched->origin;
  out.note = fetched->note;
  const StoredImage* img = &fetched->stored;
  out.digest = img->image.digest();
  out.signature = check_signature(img->layout, img->image, rq.trusted);
  if (rq.require_signature && out.signature.state != SignatureCheck::State::Verified) {
    const bool unsigned_ = out.signature.state == SignatureCheck::State::Unsigned;
    return Error(unsigned_ ? ErrorCode::SignatureMissing : ErrorCode::SignatureInvalid,
                 rq.reference + " (" + out.digest + ") is refused: [security] require_signatures is true and " +
                     (unsigned_ ? std::string("it carries no signature (no ") + signature_tag(out.digest) + " in its repository)"
                                : "its signature does not verify: " + out.signature.detail) +
                     "; trusted keys tried: " + keys_tried(rq.trusted) +
                     ". Fix: sign the artifact with a trusted key (torvyn sign LAYOUT --key KEY) and publish it again, or add its signer's "
                     "public key to [security] trusted_keys");
  }
  auto wasm = materialize(rq.store, *img);
  if (!wasm) return wasm.take_error();
  out.wasm = std::move(*wasm);
  return out;
}

}  // namespace torvyn::packaging
