#include <png.h>

