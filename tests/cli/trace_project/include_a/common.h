#ifndef COMMON_H
#define COMMON_H
/* Shadows include_b/common.h: -Iinclude_a comes first. */
#define COMMON_SCALE 3
#endif
