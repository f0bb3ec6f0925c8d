// Debian's tiny-dnn includes "third_party/stb/stb_image_write.h", which it does not ship;
// libstb-dev has it as <stb/stb_image_write.h>.
#include <stb/stb_image_write.h>
