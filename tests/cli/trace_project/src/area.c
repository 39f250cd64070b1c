#include "common.h"
#include "shape.h"
int shape_area(int side) { return side * side * COMMON_SCALE; }
