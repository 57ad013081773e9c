#include "torvyn/packaging/registry_transfer.h"

#include <nlohmann/json.hpp>

#include "torvyn/base/file_read.h"

namespace torvyn::packaging {

namespace {

// Pushes the blobs of one manifest (config and layers) the registry lacks, then the manifest.
Status push_manifest_and_blobs(RegistryClient& client, const Layout& layout, const Image& image, const std::string& tag, PushOutcome& out) {
  std::vector<const Descriptor*> blobs{&image.config};
  for (const Descriptor& l : image.layers) blobs.push_back(&l);
  for (const Descriptor* d : blobs) {
    const std::vector<uint8_t>* bytes = layout.blob(d->digest);
    if (!bytes) return Error(ErrorCode::ArtifactBlobMissing, layout.origin + ": manifest " + image.digest() + " names blob " + d->digest + " but the layout lacks it");
    auto has = client.has_blob(d->digest);
    if (!has) return has.take_error();
    if (*has) {
      ++out.blobs_present;
      continue;
    }
    if (auto s = client.put_blob(d->digest, *bytes); !s) return s;
    ++out.blobs_uploaded;
  }
  const std::vector<uint8_t>* m = layout.blob(image.digest());
  if (!m) return Error(ErrorCode::ArtifactBlobMissing, layout.origin + ": the layout lacks manifest " + image.digest());
  return client.put_manifest(tag, image.descriptor.media_type, *m);
}

// A manifest the registry sent, as an image: an OCI image manifest only.
Result<Image> parse_fetched(Layout& layout, const FetchedManifest& m, const std::string& where) {
  auto j = nlohmann::json::parse(m.bytes.begin(), m.bytes.end(), nullptr, false);
  if (!j.is_object()) return Error(ErrorCode::RegistryError, where + ": the manifest is not a JSON object");
  std::string mt = j.contains("mediaType") && j["mediaType"].is_string() ? j["mediaType"].get<std::string>() : m.media_type;
  if (mt == kImageIndexMediaType || mt == "application/vnd.docker.distribution.manifest.list.v2+json")
    return Error(ErrorCode::ArtifactInvalid, where + ": is an image index (several platforms), not one component image; name the component image's digest");
  if (mt != kImageManifestMediaType)
    return Error(ErrorCode::ArtifactInvalid, where + ": has media type `" + mt + "`, not an OCI image manifest (" + std::string(kImageManifestMediaType) +
                                                 "); Torvyn pulls component artifacts as `torvyn publish` and oras push them");
  Descriptor d;
  d.media_type = std::string(kImageManifestMediaType);
  d.digest = m.digest;
  d.size = m.bytes.size();
  layout.blobs[m.digest] = m.bytes;
  auto img = parse_image(layout, d);
  if (!img) return Error(img.error().code, where + ": " + img.error().message);
  return img;
}

// Fetches config and layers of `image` into `layout`, verified and bounded; `total` counts bytes.
Status fetch_blobs(RegistryClient& client, Layout& layout, const Image& image, uint64_t layer_cap, uint64_t& total, const Layout* have) {
  std::vector<const Descriptor*> blobs{&image.config};
  for (const Descriptor& l : image.layers) blobs.push_back(&l);
  for (const Descriptor* d : blobs) {
    if (layout.blob(d->digest)) continue;
    if (const std::vector<uint8_t>* local = have ? have->blob(d->digest) : nullptr; local && local->size() == d->size) {
      layout.blobs[d->digest] = *local;  // verified against its digest when `have` was read
      continue;
    }
    const uint64_t cap = d == &image.config ? kMaxJsonBlobBytes : layer_cap;
    if (d->size > cap)  // before the total: the message names this blob's size and limit
      return Error(ErrorCode::RegistryBlobTooLarge, client.ref().str() + ": blob " + d->digest + " (" + d->media_type + ") is " + std::to_string(d->size) +
                                                        " bytes by its descriptor, more than the " + std::to_string(cap) +
                                                        " Torvyn accepts for it; nothing was fetched or written");
    if (total + d->size > kMaxLayoutBytes)
      return Error(ErrorCode::RegistryBlobTooLarge, client.ref().str() + ": the image is larger than the 1 GiB Torvyn accepts; nothing was fetched further");
    auto b = client.get_blob(d->digest, d->size, cap);
    if (!b) return b.take_error();
    total += b->size();
    layout.blobs[d->digest] = std::move(*b);
  }
  return {};
}

}  // namespace

Result<PushOutcome> push_image(RegistryClient& client, const Layout& layout, const Image& image, const std::string& tag) {
  PushOutcome out;
  RegistryRef dest = client.ref();
  dest.tag = tag;
  dest.digest.clear();
  out.reference = dest.str();
  out.digest = image.digest();
  if (auto s = push_manifest_and_blobs(client, layout, image, tag, out); !s) return s.take_error();
  const std::string sig_tag = signature_tag(image.digest());
  for (const Descriptor& m : layout.manifests) {
    if (m.ref_name() != sig_tag) continue;
    auto sig = parse_image(layout, m);
    if (!sig) return sig.take_error();
    if (auto s = push_manifest_and_blobs(client, layout, *sig, sig_tag, out); !s) return s.take_error();
    out.signature = true;
    out.signature_tag = sig_tag;
  }
  return out;
}

Result<PullOutcome> pull_image(RegistryClient& client, const Layout* have) {
  const RegistryRef& ref = client.ref();
  if (ref.reference().empty())
    return Error(ErrorCode::RegistryRefInvalid, "`" + ref.str() + "`: no tag or digest to pull (add :TAG or @sha256:DIGEST)");
  PullOutcome out;
  auto m = client.get_manifest(ref.reference());
  if (!m) return m.take_error();
  if (!*m)
    return Error(ErrorCode::ArtifactNotFound, ref.str() + ": the registry has no such manifest (no tag `" + ref.reference() + "` in " + ref.repository +
                                                  "); check the reference, or publish it first with `torvyn publish`");
  auto image = parse_fetched(out.layout, **m, ref.str());
  if (!image) return image.take_error();
  uint64_t total = (*m)->bytes.size();
  if (auto s = fetch_blobs(client, out.layout, *image, kMaxComponentFileBytes, total, have); !s) return s.take_error();
  Descriptor entry = image->descriptor;
  if (!ref.tag.empty()) entry.annotations[std::string(kRefNameAnnotation)] = ref.tag;
  out.layout.put_manifest(entry);
  image->descriptor = entry;
  out.image = std::move(*image);

  // The signature, when the registry has one (cosign's tag for this digest).
  const std::string sig_tag = signature_tag(out.image.digest());
  auto sm = client.get_manifest(sig_tag);
  if (!sm) return sm.take_error();
  if (*sm) {
    auto sig = parse_fetched(out.layout, **sm, ref.host + "/" + ref.repository + ":" + sig_tag);
    if (!sig) return sig.take_error();
    total += (*sm)->bytes.size();
    if (auto s = fetch_blobs(client, out.layout, *sig, kMaxJsonBlobBytes, total, have); !s) return s.take_error();
    Descriptor se = sig->descriptor;
    se.annotations[std::string(kRefNameAnnotation)] = sig_tag;
    out.layout.put_manifest(se);
    out.signature = true;
  }
  return out;
}

}  // namespace torvyn::packaging
