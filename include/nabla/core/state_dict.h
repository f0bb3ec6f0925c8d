// A state_dict: named tensors in insertion order, as PyTorch's OrderedDict.
// Modules, optimizers and schedulers save into one, checkpoints store one
// (io/safetensors.h). Scalars (a step count, a learning rate) are 0-d tensors.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla {

class StateDict {
 public:
  using Item = std::pair<std::string, Tensor>;

  // Inserts or replaces; a new key goes last.
  void set(const std::string& key, const Tensor& value) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      items_[it->second].second = value;
      return;
    }
    index_.emplace(key, items_.size());
    items_.emplace_back(key, value);
  }
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  const Tensor& at(const std::string& key) const {
    auto it = index_.find(key);
    NABLA_CHECK(it != index_.end(), "state_dict: no entry named '", key, "'");
    return items_[it->second].second;
  }
  // Entries whose key starts with prefix, with the prefix removed.
  StateDict sub(const std::string& prefix) const {
    StateDict out;
    for (const auto& [k, v] : items_)
      if (k.compare(0, prefix.size(), prefix) == 0) out.set(k.substr(prefix.size()), v);
    return out;
  }
  // Adds all of other's entries under prefix.
  void merge(const StateDict& other, const std::string& prefix = "") {
    for (const auto& [k, v] : other.items_) set(prefix + k, v);
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : items_) out.push_back(k);
    return out;
  }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace nabla
