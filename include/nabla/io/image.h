// Image files: PNG and JPEG read through stb_image, PNG written through
// stb_image_write (Debian's libstb).
#pragma once

#include <string>

#include "nabla/core/tensor.h"

namespace nabla {

// Decodes a PNG or JPEG file into u8 (C, H, W). channels: 0 keeps the
// file's (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), 1 converts to gray, 3 to
// RGB (2 and 4 to gray+alpha and RGBA). A missing, truncated or
// undecodable file throws an Error naming the file and stb's reason.
Tensor read_image(const std::string& path, int channels = 0);

// Writes image as PNG: u8 (C, H, W), or f32 (C, H, W) in [0, 1] (clamped),
// C in {1, 3, 4}. Written atomically, like checkpoints.
void write_png(const Tensor& image, const std::string& path);

}  // namespace nabla
