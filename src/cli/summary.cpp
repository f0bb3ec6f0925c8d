#include "summary.h"

#include "checkpoint.h"
#include "config.h"
#include "nabla/core/error.h"
#include "nabla/nn/summary.h"

namespace nabla::cli {

namespace {

Shape parse_input(const std::string& text) {
  Shape shape;
  for (const std::string& part : split(text, 'x')) {
    size_t used = 0;
    int64_t v = 0;
    try {
      v = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    NABLA_CHECK(used == part.size() && used > 0 && v > 0, "--input '", text,
                "': expected CxHxW (e.g. 3x32x32) or F (features), with positive sizes");
    shape.push_back(v);
  }
  NABLA_CHECK(shape.size() == 1 || shape.size() == 3, "--input '", text,
              "': expected CxHxW (e.g. 3x32x32) or F (features)");
  NABLA_CHECK(shape.size() == 1 || shape[1] == shape[2], "--input '", text,
              "': the models take square images (H = W)");
  return shape;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

int run_summary(const SummaryOptions& o, std::ostream& out) {
  NABLA_CHECK(!o.model.empty(), "summary: give a model name (see nabla summary --help)");
  NABLA_CHECK(o.classes >= 1, "--classes must be >= 1, got ", o.classes);
  const Shape shape = parse_input(o.input);
  models::ModelConfig config;
  config.in_channels = shape[0];
  config.image_size = shape.size() == 3 ? shape[1] : 1;
  config.num_classes = o.classes;
  ModelSource source{o.model, ""};
  if (ends_with(o.model, ".json")) source = ModelSource{"", read_spec_file(o.model)};
  const auto model = build_model(source, config);
  // Feature rows go in as F (the model flattens C·H·W anyway).
  const nn::Summary s = nn::summary(*model, shape);
  out << (o.json ? s.to_json() : s.to_string()) << "\n";
  return 0;
}

}  // namespace nabla::cli
