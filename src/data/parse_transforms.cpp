// parse_transforms: the command line's --augment list, e.g.
//   "crop:padding=2,flip,affine:degrees=10:translate=0.1,noise:std=0.1,erasing"
#include <cctype>
#include <charconv>
#include <map>
#include <string_view>

#include "nabla/data/transforms.h"

namespace nabla::data {
namespace {

using Values = std::vector<double>;
using Args = std::map<std::string, Values, std::less<>>;

struct Spec {
  const char* name;
  std::vector<const char*> args;
  TransformPtr (*make)(const Args& args, int64_t image_size);
};

double get(const Args& args, const char* name, double fallback) {
  auto it = args.find(name);
  return it == args.end() ? fallback : it->second[0];
}

TransformPtr make_affine(const Args& a, int64_t) {
  AffineOptions o;
  o.degrees = get(a, "degrees", 0);
  o.translate = get(a, "translate", 0);
  const double spread = get(a, "scale", 0);  // scale=s draws from U(1-s, 1+s)
  o.scale_min = get(a, "scale_min", 1 - spread);
  o.scale_max = get(a, "scale_max", 1 + spread);
  o.shear = get(a, "shear", 0);
  return random_affine(o);
}

TransformPtr make_erasing(const Args& a, bool cutout) {
  ErasingOptions o;
  o.p = get(a, "p", o.p);
  o.scale_min = get(a, "scale_min", o.scale_min);
  o.scale_max = get(a, "scale_max", o.scale_max);
  if (cutout) {
    o.ratio_min = o.ratio_max = 1;
  } else {
    o.ratio_min = get(a, "ratio_min", o.ratio_min);
    o.ratio_max = get(a, "ratio_max", o.ratio_max);
  }
  o.value = get(a, "value", o.value);
  return random_erasing(o);
}

// The known transforms and their arguments; an argument not given takes the
// default written in transforms.h.
const std::vector<Spec>& specs() {
  static const std::vector<Spec> table = {
      {"crop",
       {"padding", "size"},
       [](const Args& a, int64_t image_size) {
         return random_crop(static_cast<int64_t>(get(a, "size", static_cast<double>(image_size))),
                            static_cast<int64_t>(get(a, "padding", 4)));
       }},
      {"flip",
       {"p"},
       [](const Args& a, int64_t) { return random_horizontal_flip(get(a, "p", 0.5)); }},
      {"vflip",
       {"p"},
       [](const Args& a, int64_t) { return random_vertical_flip(get(a, "p", 0.5)); }},
      {"affine", {"degrees", "translate", "scale", "scale_min", "scale_max", "shear"}, make_affine},
      {"jitter",
       {"brightness", "contrast"},
       [](const Args& a, int64_t) {
         return color_jitter(get(a, "brightness", 0.2), get(a, "contrast", 0.2));
       }},
      {"noise", {"std"}, [](const Args& a, int64_t) { return gaussian_noise(get(a, "std", 0.1)); }},
      {"mulnoise",
       {"std"},
       [](const Args& a, int64_t) { return multiplicative_noise(get(a, "std", 0.1)); }},
      {"thicken", {"p"}, [](const Args& a, int64_t) { return thicken(get(a, "p", 0.5)); }},
      {"erasing",
       {"p", "scale_min", "scale_max", "ratio_min", "ratio_max", "value"},
       [](const Args& a, int64_t) { return make_erasing(a, false); }},
      {"cutout",
       {"p", "scale_min", "scale_max", "value"},
       [](const Args& a, int64_t) { return make_erasing(a, true); }},
      {"normalize",
       {"mean", "std"},
       [](const Args& a, int64_t) {
         NABLA_CHECK(a.count("mean") && a.count("std"),
                     "parse_transforms: normalize needs mean= and std=, e.g. "
                     "normalize:mean=0.1307:std=0.3081");
         return normalize(a.at("mean"), a.at("std"));
       }},
  };
  return table;
}

// "crop(padding, size), flip(p), ..." for error messages.
std::string known_list() {
  std::string s;
  for (const Spec& spec : specs()) {
    if (!s.empty()) s += ", ";
    s += spec.name;
    s += "(";
    for (size_t i = 0; i < spec.args.size(); ++i) s += std::string(i ? ", " : "") + spec.args[i];
    s += ")";
  }
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = s.find(sep, start);
    parts.push_back(trim(s.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

double parse_number(std::string_view text, std::string_view item) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  NABLA_CHECK(ec == std::errc() && end == text.data() + text.size() && !text.empty(),
              "parse_transforms: in '", item, "', '", text, "' is not a number");
  return v;
}

TransformPtr parse_one(std::string_view item, int64_t image_size) {
  const std::vector<std::string_view> parts = split(item, ':');
  const std::string_view name = parts[0];
  const Spec* spec = nullptr;
  for (const Spec& s : specs())
    if (name == s.name) spec = &s;
  NABLA_CHECK(spec != nullptr, "parse_transforms: unknown transform '", name,
              "'; known transforms (arguments): ", known_list());
  Args args;
  for (size_t i = 1; i < parts.size(); ++i) {
    const size_t eq = parts[i].find('=');
    NABLA_CHECK(eq != std::string_view::npos, "parse_transforms: in '", item, "', '", parts[i],
                "' is not name=value");
    const std::string_view key = trim(parts[i].substr(0, eq));
    const std::string_view text = trim(parts[i].substr(eq + 1));
    bool known = false;
    std::string names;
    for (const char* a : spec->args) {
      known = known || key == a;
      names += std::string(names.empty() ? "" : ", ") + a;
    }
    NABLA_CHECK(known, "parse_transforms: ", spec->name, " has no argument '", key,
                "'; its arguments: ", names);
    NABLA_CHECK(!args.count(key), "parse_transforms: in '", item, "', ", key, " is given twice");
    Values values;
    for (std::string_view v : split(text, '/')) values.push_back(parse_number(v, item));
    // Only normalize takes one value per channel (mean=0.49/0.48/0.45).
    NABLA_CHECK(values.size() == 1 || std::string_view(spec->name) == "normalize",
                "parse_transforms: in '", item, "', ", key, " takes one number, got '", text, "'");
    const bool integer = std::string_view(spec->name) == "crop";
    NABLA_CHECK(!integer || values[0] == static_cast<double>(static_cast<int64_t>(values[0])),
                "parse_transforms: in '", item, "', ", key, " must be an integer, got ", text);
    args.emplace(std::string(key), std::move(values));
  }
  return spec->make(args, image_size);
}

}  // namespace

TransformPtr parse_transforms(const std::string& spec, int64_t image_size) {
  const std::string_view text = trim(spec);
  if (text.empty() || text == "none") return nullptr;
  std::vector<TransformPtr> transforms;
  for (std::string_view item : split(text, ',')) {
    NABLA_CHECK(!item.empty(), "parse_transforms: empty transform in '", spec, "'");
    transforms.push_back(parse_one(item, image_size));
  }
  if (transforms.size() == 1) return transforms[0];
  return std::make_shared<Compose>(std::move(transforms));
}

}  // namespace nabla::data
