// CSV tables: a header row, then one example per line. Fields are separated
// by commas; a field may be double-quoted (a quote inside written "") and
// spaces around a field are ignored. Blank lines are skipped.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "io/read_file.h"
#include "nabla/data/readers.h"
#include "nabla/ops/factory.h"

namespace nabla::data {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

class CsvParser {
 public:
  explicit CsvParser(const std::string& path) : path_(path) {}

  template <class... Args>
  [[noreturn]] void fail(int64_t line, const Args&... args) const {
    NABLA_FAIL("read_csv: '", path_, "': line ", line, ": ", args...);
  }

  // The fields of one line (without its newline).
  std::vector<std::string> split(std::string_view text, int64_t line) const {
    std::vector<std::string> fields;
    size_t i = 0;
    while (true) {
      // Skips spaces before the field, to see whether it is quoted.
      size_t start = i;
      while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
      std::string field;
      if (start < text.size() && text[start] == '"') {
        size_t j = start + 1;
        while (true) {
          if (j >= text.size())
            fail(line, "column ", fields.size() + 1, ": the quote opened at character ", start + 1,
                 " is not closed (fields cannot span lines)");
          if (text[j] == '"') {
            if (j + 1 < text.size() && text[j + 1] == '"') {
              field += '"';
              j += 2;
              continue;
            }
            break;
          }
          field += text[j++];
        }
        i = j + 1;
        const size_t after = text.find(',', i);
        const std::string_view rest = trim(text.substr(i, after - i));
        if (!rest.empty())
          fail(line, "column ", fields.size() + 1, ": unexpected '", rest,
               "' after the closing quote at character ", j + 1);
        i = after;
      } else {
        const size_t end = text.find(',', i);
        field = std::string(trim(text.substr(i, end - i)));
        i = end;
      }
      fields.push_back(std::move(field));
      if (i == std::string_view::npos) break;
      ++i;  // past the comma
    }
    return fields;
  }

 private:
  std::string path_;
};

bool parse_int(const std::string& s, int64_t& out) {
  const char* begin = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  return ec == std::errc() && ptr == end && begin != end;
}

}  // namespace

std::shared_ptr<TensorDataset> read_csv(const std::string& path, const std::string& label_column) {
  const std::vector<uint8_t> bytes = io::read_file(path, "read_csv");
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  CsvParser parser(path);

  std::vector<std::string> header;
  int64_t header_line = 0;
  int64_t label_index = -1;
  std::vector<float> features;
  std::vector<std::string> labels;
  std::vector<int64_t> label_lines;  // for errors found once all labels are known
  int64_t line = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view row = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line;
    if (trim(row).empty()) continue;
    std::vector<std::string> fields = parser.split(row, line);

    if (header.empty()) {
      header = std::move(fields);
      header_line = line;
      for (size_t c = 0; c < header.size(); ++c) {
        if (header[c] != label_column) continue;
        if (label_index >= 0)
          parser.fail(line, "the label column '", label_column, "' appears twice (columns ",
                      label_index + 1, " and ", c + 1, ")");
        label_index = static_cast<int64_t>(c);
      }
      if (label_index < 0) {
        std::string names;
        for (const std::string& h : header) names += (names.empty() ? "'" : ", '") + h + "'";
        parser.fail(line, "no column named '", label_column,
                    "' in the header (its columns: ", names, ")");
      }
      if (header.size() < 2)
        parser.fail(line, "the header has only the label column '", label_column,
                    "'; expected at least one feature column besides it");
      continue;
    }

    if (fields.size() != header.size())
      parser.fail(line, "has ", fields.size(), " fields, but the header (line ", header_line,
                  ") has ", header.size(), " columns");
    for (size_t c = 0; c < fields.size(); ++c) {
      const std::string& cell = fields[c];
      if (static_cast<int64_t>(c) == label_index) {
        if (cell.empty())
          parser.fail(line, "column ", c + 1, " ('", header[c], "'): the label is empty");
        labels.push_back(cell);
        label_lines.push_back(line);
        continue;
      }
      if (cell.empty())
        parser.fail(line, "column ", c + 1, " ('", header[c], "'): the cell is empty");
      float value = 0;
      const char* begin = cell.data() + (!cell.empty() && cell[0] == '+' ? 1 : 0);
      const char* end = cell.data() + cell.size();
      auto [ptr, ec] = std::from_chars(begin, end, value);
      if (ec == std::errc::result_out_of_range)
        parser.fail(line, "column ", c + 1, " ('", header[c], "'): '", cell,
                    "' is out of the range of float32");
      if (ec != std::errc() || ptr != end || begin == end)
        parser.fail(line, "column ", c + 1, " ('", header[c], "'): cannot read '", cell,
                    "' as a number");
      if (!std::isfinite(value))
        parser.fail(line, "column ", c + 1, " ('", header[c], "'): '", cell,
                    "' is not a finite number");
      features.push_back(value);
    }
  }
  if (header.empty())
    NABLA_FAIL("read_csv: '", path, "': the file is empty; expected a header row");
  NABLA_CHECK(!labels.empty(), "read_csv: '", path, "': the header (line ", header_line,
              ") is followed by no rows");

  // Integer labels are class indices; anything else names classes, numbered
  // in sorted order.
  const auto n = static_cast<int64_t>(labels.size());
  std::vector<int64_t> targets(labels.size());
  std::vector<std::string> classes;
  bool all_integers = true;
  for (size_t i = 0; i < labels.size() && all_integers; ++i)
    all_integers = parse_int(labels[i], targets[i]);
  if (all_integers) {
    int64_t max_label = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
      NABLA_CHECK(targets[i] >= 0, "read_csv: '", path, "': line ", label_lines[i], ": column ",
                  label_index + 1, " ('", label_column, "'): label ", targets[i],
                  " is negative; integer labels must be class indices 0, 1, ...");
      max_label = std::max(max_label, targets[i]);
    }
    NABLA_CHECK(max_label < 1'000'000, "read_csv: '", path, "': label ", max_label,
                " is too large to be a class index");
    for (int64_t k = 0; k <= max_label; ++k) classes.push_back(std::to_string(k));
  } else {
    classes = labels;
    std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    for (size_t i = 0; i < labels.size(); ++i)
      targets[i] = std::lower_bound(classes.begin(), classes.end(), labels[i]) - classes.begin();
  }
  const auto n_features = static_cast<int64_t>(header.size()) - 1;
  return std::make_shared<TensorDataset>(tensor(features, {n, n_features}), tensor(targets, {n}),
                                         std::move(classes));
}

}  // namespace nabla::data
