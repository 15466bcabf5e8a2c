#include <zstd.h>

