#include "nabla/io/plot.h"

#include <cairo.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

#include "io/atomic_file.h"
#include "nabla/core/error.h"

namespace nabla {
namespace {

// ---- the look

struct Rgb {
  double r, g, b;
};
constexpr Rgb rgb(int hex) {
  return {((hex >> 16) & 0xff) / 255.0, ((hex >> 8) & 0xff) / 255.0, (hex & 0xff) / 255.0};
}

// matplotlib's "tab10": ten hues that stay apart for most colour-blind readers.
constexpr std::array<Rgb, 10> kPalette = {
    rgb(0x1f77b4), rgb(0xff7f0e), rgb(0x2ca02c), rgb(0xd62728), rgb(0x9467bd),
    rgb(0x8c564b), rgb(0xe377c2), rgb(0x7f7f7f), rgb(0xbcbd22), rgb(0x17becf)};
constexpr Rgb kText = rgb(0x222222), kTickText = rgb(0x555555), kGrid = rgb(0xe6e6e6),
              kMinorGrid = rgb(0xf3f3f3), kFrame = rgb(0xb0b0b0);
constexpr const char* kFont = "sans-serif";
constexpr double kTitleSize = 15, kLabelSize = 12.5, kTickSize = 11, kLegendSize = 11.5;
constexpr double kLineWidth = 2.0;
constexpr size_t kMaxPointsWithMarkers = 25;  // short curves (per-epoch) show their points

void set_color(cairo_t* cr, Rgb c, double alpha = 1.0) {
  cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

// Draws s with its anchor at (x, y): ax = 0 left, 0.5 centre, 1 right;
// y is the vertical centre of the font's capital letters.
void draw_text(cairo_t* cr, const std::string& s, double x, double y, double ax) {
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  cairo_move_to(cr, x - ax * text_width(cr, s), y + fe.ascent * 0.36);
  cairo_show_text(cr, s.c_str());
}

// ---- axes

// Tick positions and the labels drawn at them.
struct Ticks {
  std::vector<double> major, minor;  // minor: log axes' 2·10ᵏ … 9·10ᵏ
  std::vector<std::string> labels;
};

// The 1-2-5 step nearest to raw: 0.37 → 0.5, 3 → 2 or 5, 1200 → 1000.
double nice_step(double raw) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
}

// "0.25", "3", "-1.5", "20k": as few decimals as the step needs.
std::string format_tick(double v, double step) {
  if (std::fabs(v) < step * 1e-9) v = 0;  // no "-0"
  char buffer[32];
  const double a = std::fabs(v);
  if (a >= 1e4 && std::fmod(step, 1000.0) == 0) {
    const bool mega = a >= 1e7 && std::fmod(step, 1e6) == 0;
    std::snprintf(buffer, sizeof buffer, "%g%s", v / (mega ? 1e6 : 1e3), mega ? "M" : "k");
    return buffer;
  }
  if (a != 0 && (a < 1e-4 || a >= 1e7)) {
    std::snprintf(buffer, sizeof buffer, "%.3g", v);
    return buffer;
  }
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// Multiples of a 1-2-5 step inside [lo, hi], about `target` of them.
Ticks linear_ticks(double lo, double hi, double target) {
  Ticks t;
  const double step = nice_step((hi - lo) / std::max(target, 1.0));
  const double eps = step * 1e-9;
  for (double k = std::ceil((lo - eps) / step); k * step <= hi + eps; ++k) {
    t.major.push_back(k * step);
    t.labels.push_back(format_tick(k * step, step));
  }
  return t;
}

// "1e-5", "5e-5" rather than "1e-05"; plain decimals from 0.001 to 10⁵.
std::string format_log_tick(double v) {
  char buffer[32];
  if (v < 1e-3 || v >= 1e5) {
    const int e = static_cast<int>(std::floor(std::log10(v) + 1e-9));
    std::snprintf(buffer, sizeof buffer, "%ge%d", v / std::pow(10.0, e), e);
  } else {
    std::snprintf(buffer, sizeof buffer, "%g", v);
  }
  return buffer;
}

// Powers of ten, thinned to about `target`, with faint lines at 2..9·10ᵏ;
// with fewer than three decades in view, the 1-2-5 multiples when not too
// many; with less than a decade, linear ticks.
Ticks log_ticks(double lo, double hi, double target) {
  const auto inside = [&](double v) { return v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9); };
  const int first = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int last = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  std::vector<double> decades, minor, fine;
  for (int e = first; e <= last; ++e) {
    const double decade = std::pow(10.0, e);
    if (inside(decade)) decades.push_back(decade);
    for (int m : {1, 2, 5})
      if (inside(m * decade)) fine.push_back(m * decade);
    for (int m = 2; m <= 9; ++m)
      if (inside(m * decade)) minor.push_back(m * decade);
  }
  Ticks t;
  if (decades.size() < 3 && fine.size() >= 3 && fine.size() <= target * 1.6) {
    t.major = fine;
    t.minor = minor;
  } else if (decades.size() >= 2) {
    // Every k-th decade, counted down from the top one.
    const size_t every = static_cast<size_t>(std::max(1.0, std::ceil(decades.size() / target)));
    for (size_t i = 0; i < decades.size(); ++i)
      if ((decades.size() - 1 - i) % every == 0) t.major.push_back(decades[i]);
    if (every == 1) t.minor = minor;
  } else {
    return linear_ticks(lo, hi, target);
  }
  for (double v : t.major) t.labels.push_back(format_log_tick(v));
  return t;
}

// A data range, padded by 5% on each side as matplotlib's, so curves do
// not run along the frame.
struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
};

Range padded(Range r, bool log) {
  if (r.empty()) return log ? Range{1, 10} : Range{0, 1};
  if (log) {
    double a = std::log10(r.lo), b = std::log10(r.hi);
    if (b - a < 1e-12) a -= 0.5, b += 0.5;
    const double m = 0.05 * (b - a);
    return {std::pow(10.0, a - m), std::pow(10.0, b + m)};
  }
  if (r.hi - r.lo < 1e-12 * std::max(1.0, std::fabs(r.hi))) {
    const double half = r.lo == 0 ? 1.0 : std::fabs(r.lo) * 0.1;
    return {r.lo - half, r.hi + half};
  }
  const double m = 0.05 * (r.hi - r.lo);
  return {r.lo - m, r.hi + m};
}

// Whether a point can be drawn: finite, and positive on a log axis.
bool drawable(double x, double y, bool log_y) {
  return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0);
}

// ---- one chart

struct Box {
  double x, y, w, h;
  bool contains(double px, double py) const {
    return px >= x && px <= x + w && py >= y && py <= y + h;
  }
};

void draw_chart(cairo_t* cr, const Chart& chart, double width, double height) {
  set_color(cr, rgb(0xffffff));
  cairo_paint(cr);

  Range xr, yr;
  for (const Series& s : chart.series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], s.y[i], chart.log_y)) continue;
      xr.add(s.x[i]);
      yr.add(s.y[i]);
    }
  }
  const bool no_data = xr.empty();
  xr = padded(xr, false);
  yr = padded(yr, chart.log_y);

  // Margins from the text that goes in them.
  const double pad = 12;
  const double title_h = chart.title.empty() ? pad : 38;
  const double x_label_h = chart.x_label.empty() ? 0 : 22;
  const double y_label_w = chart.y_label.empty() ? 0 : 22;
  const double bottom = pad + 22 + x_label_h;

  // y ticks first: their labels set the left margin.
  const double plot_h = std::max(10.0, height - title_h - bottom);
  const Ticks yt =
      chart.log_y ? log_ticks(yr.lo, yr.hi, plot_h / 48) : linear_ticks(yr.lo, yr.hi, plot_h / 48);
  set_font(cr, kTickSize);
  double y_tick_w = 0;
  for (const auto& l : yt.labels) y_tick_w = std::max(y_tick_w, text_width(cr, l));
  const double left = pad + y_label_w + y_tick_w + 8;
  const double right = pad + 8;
  const Box plot{left, title_h, std::max(10.0, width - left - right), plot_h};
  const Ticks xt = linear_ticks(xr.lo, xr.hi, plot.w / 80);

  const auto px = [&](double x) { return plot.x + (x - xr.lo) / (xr.hi - xr.lo) * plot.w; };
  const auto py = [&](double y) {
    const double f =
        chart.log_y ? (std::log10(y) - std::log10(yr.lo)) / (std::log10(yr.hi) - std::log10(yr.lo))
                    : (y - yr.lo) / (yr.hi - yr.lo);
    return plot.y + plot.h - f * plot.h;
  };
  // Hairlines on pixel centres stay one pixel wide and crisp.
  const auto crisp = [](double v) { return std::floor(v) + 0.5; };

  // Grid.
  cairo_set_line_width(cr, 1);
  set_color(cr, kMinorGrid);
  for (double v : yt.minor) {
    cairo_move_to(cr, plot.x, crisp(py(v)));
    cairo_line_to(cr, plot.x + plot.w, crisp(py(v)));
  }
  cairo_stroke(cr);
  set_color(cr, kGrid);
  for (double v : yt.major) {
    cairo_move_to(cr, plot.x, crisp(py(v)));
    cairo_line_to(cr, plot.x + plot.w, crisp(py(v)));
  }
  for (double v : xt.major) {
    cairo_move_to(cr, crisp(px(v)), plot.y);
    cairo_line_to(cr, crisp(px(v)), plot.y + plot.h);
  }
  cairo_stroke(cr);

  // Tick labels.
  set_font(cr, kTickSize);
  set_color(cr, kTickText);
  for (size_t i = 0; i < yt.major.size(); ++i)
    draw_text(cr, yt.labels[i], plot.x - 7, py(yt.major[i]), 1.0);
  for (size_t i = 0; i < xt.major.size(); ++i)
    draw_text(cr, xt.labels[i], px(xt.major[i]), plot.y + plot.h + 14, 0.5);

  // Curves, clipped to the plot; a NaN (or a value a log axis cannot show)
  // breaks the line, as in matplotlib.
  std::vector<std::pair<double, double>> drawn;  // pixel positions, for the legend
  cairo_save(cr);
  cairo_rectangle(cr, plot.x, plot.y, plot.w, plot.h);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (size_t si = 0; si < chart.series.size(); ++si) {
    const Series& s = chart.series[si];
    set_color(cr, kPalette[si % kPalette.size()]);
    cairo_set_line_width(cr, kLineWidth);
    size_t finite = 0;
    bool pen_down = false;
    std::pair<double, double> last{};
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], s.y[i], chart.log_y)) {
        pen_down = false;
        continue;
      }
      const double x = px(s.x[i]), y = py(s.y[i]);
      if (pen_down) {
        cairo_line_to(cr, x, y);
        for (int k = 1; k < 8; ++k)
          drawn.emplace_back(last.first + (x - last.first) * k / 8,
                             last.second + (y - last.second) * k / 8);
      } else {
        cairo_move_to(cr, x, y);
      }
      drawn.emplace_back(x, y);
      last = {x, y};
      pen_down = true;
      ++finite;
    }
    cairo_stroke(cr);
    // Markers on short curves, and always on points with no neighbour to join.
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], s.y[i], chart.log_y)) continue;
      const bool alone = (i == 0 || !drawable(s.x[i - 1], s.y[i - 1], chart.log_y)) &&
                         (i + 1 == s.x.size() || !drawable(s.x[i + 1], s.y[i + 1], chart.log_y));
      if (!alone && finite > kMaxPointsWithMarkers) continue;
      cairo_new_sub_path(cr);
      cairo_arc(cr, px(s.x[i]), py(s.y[i]), 2.8, 0, 2 * M_PI);
    }
    cairo_fill(cr);
  }
  cairo_restore(cr);

  // Frame.
  set_color(cr, kFrame);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, crisp(plot.x), crisp(plot.y), std::round(plot.w), std::round(plot.h));
  cairo_stroke(cr);

  if (no_data) {
    set_font(cr, kLabelSize);
    set_color(cr, kTickText);
    draw_text(cr, "no data", plot.x + plot.w / 2, plot.y + plot.h / 2, 0.5);
  }

  // Title and axis labels.
  set_color(cr, kText);
  if (!chart.title.empty()) {
    set_font(cr, kTitleSize, true);
    draw_text(cr, chart.title, plot.x + plot.w / 2, title_h / 2 + 2, 0.5);
  }
  set_font(cr, kLabelSize);
  if (!chart.x_label.empty())
    draw_text(cr, chart.x_label, plot.x + plot.w / 2, height - pad - x_label_h / 2 + 2, 0.5);
  if (!chart.y_label.empty()) {
    cairo_save(cr);
    cairo_translate(cr, pad + y_label_w / 2, plot.y + plot.h / 2);
    cairo_rotate(cr, -M_PI / 2);
    draw_text(cr, chart.y_label, 0, 0, 0.5);
    cairo_restore(cr);
  }

  // Legend, in the corner of the plot that covers the fewest curve points.
  std::vector<size_t> labelled;
  for (size_t si = 0; si < chart.series.size(); ++si)
    if (!chart.series[si].label.empty()) labelled.push_back(si);
  if (labelled.empty()) return;
  set_font(cr, kLegendSize);
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  const double row_h = fe.height + 3, swatch = 22, inner = 8;
  double label_w = 0;
  for (size_t si : labelled) label_w = std::max(label_w, text_width(cr, chart.series[si].label));
  const double lw = inner * 2 + swatch + 6 + label_w;
  const double lh = inner * 2 + row_h * labelled.size() - 3;
  const double gap = 8;
  const std::array<Box, 4> corners = {
      Box{plot.x + plot.w - gap - lw, plot.y + gap, lw, lh},                // top right
      Box{plot.x + plot.w - gap - lw, plot.y + plot.h - gap - lh, lw, lh},  // bottom right
      Box{plot.x + gap, plot.y + gap, lw, lh},                              // top left
      Box{plot.x + gap, plot.y + plot.h - gap - lh, lw, lh}};               // bottom left
  Box legend = corners[0];
  size_t fewest = std::numeric_limits<size_t>::max();
  for (const Box& b : corners) {
    size_t covered = 0;
    for (const auto& [x, y] : drawn) covered += b.contains(x, y);
    if (covered < fewest) fewest = covered, legend = b;
  }
  cairo_rectangle(cr, crisp(legend.x), crisp(legend.y), std::round(legend.w), std::round(legend.h));
  set_color(cr, rgb(0xffffff), 0.88);
  cairo_fill_preserve(cr);
  set_color(cr, rgb(0xd0d0d0));
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (size_t row = 0; row < labelled.size(); ++row) {
    const size_t si = labelled[row];
    const double cy = legend.y + inner + row_h * row + (row_h - 3) / 2;
    set_color(cr, kPalette[si % kPalette.size()]);
    cairo_set_line_width(cr, kLineWidth + 0.5);
    cairo_move_to(cr, legend.x + inner, cy);
    cairo_line_to(cr, legend.x + inner + swatch, cy);
    cairo_stroke(cr);
    set_color(cr, kText);
    draw_text(cr, chart.series[si].label, legend.x + inner + swatch + 6, cy, 0.0);
  }
}

// ---- writing

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

void save_plot(const std::vector<Chart>& charts, const std::string& path, int width, int height) {
  NABLA_CHECK(!charts.empty(), "save_plot: '", path, "': no charts to draw");
  NABLA_CHECK(width >= 160 && height >= 120 && width <= 8192 && height <= 8192, "save_plot: '",
              path, "': each chart must be 160×120 to 8192×8192 pixels, got ", width, "×", height);
  NABLA_CHECK(static_cast<int64_t>(width) * static_cast<int64_t>(charts.size()) <= 32767,
              "save_plot: '", path, "': ", charts.size(), " charts of width ", width,
              " exceed cairo's 32767 pixels");
  for (size_t c = 0; c < charts.size(); ++c) {
    for (const Series& s : charts[c].series) {
      NABLA_CHECK(s.x.size() == s.y.size(), "save_plot: '", path, "': chart ", c, " (\"",
                  charts[c].title, "\"), series \"", s.label, "\" has ", s.x.size(),
                  " x values but ", s.y.size(), " y values");
    }
  }

  const int total_width = width * static_cast<int>(charts.size());
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, total_width, height), cairo_surface_destroy);
  NABLA_CHECK(cairo_surface_status(surface.get()) == CAIRO_STATUS_SUCCESS, "save_plot: '", path,
              "': cannot create a ", total_width, "×", height,
              " image: ", cairo_status_to_string(cairo_surface_status(surface.get())));
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()), cairo_destroy);
  for (size_t c = 0; c < charts.size(); ++c) {
    cairo_save(cr.get());
    cairo_translate(cr.get(), static_cast<double>(c) * width, 0);
    cairo_rectangle(cr.get(), 0, 0, width, height);
    cairo_clip(cr.get());
    draw_chart(cr.get(), charts[c], width, height);
    cairo_restore(cr.get());
  }
  NABLA_CHECK(cairo_status(cr.get()) == CAIRO_STATUS_SUCCESS, "save_plot: '", path,
              "': drawing failed: ", cairo_status_to_string(cairo_status(cr.get())));
  cairo_surface_flush(surface.get());

  std::string png;
  const cairo_status_t status =
      cairo_surface_write_to_png_stream(surface.get(), append_to_string, &png);
  NABLA_CHECK(status == CAIRO_STATUS_SUCCESS, "save_plot: '", path,
              "': encoding the PNG failed: ", cairo_status_to_string(status));
  io::AtomicFile file(path, "save_plot");
  file.write(png.data(), png.size());
  file.commit();
}

}  // namespace nabla
