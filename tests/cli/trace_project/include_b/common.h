#ifndef COMMON_H
#define COMMON_H
/* Never read while include_a/common.h exists. */
#define COMMON_SCALE 100
#endif
