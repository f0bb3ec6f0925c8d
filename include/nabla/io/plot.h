// Line charts written as PNG (drawn with cairo): the loss and accuracy
// curves every training run leaves, and comparisons of several runs.
#pragma once

#include <string>
#include <vector>

namespace nabla {

struct Series {
  std::string label;
  std::vector<double> x, y;
};

struct Chart {
  std::string title, x_label, y_label;
  std::vector<Series> series;  // each its own colour, named in a legend
  bool log_y = false;
};

// Draws the charts side by side, each width×height pixels, with axes, ticks,
// grid, legend and title, and writes them to path atomically. NaN points are
// skipped (a series may start late, e.g. test loss after the first epoch).
void save_plot(const std::vector<Chart>& charts, const std::string& path, int width = 640,
               int height = 440);

}  // namespace nabla
