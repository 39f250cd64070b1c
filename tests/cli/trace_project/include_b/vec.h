#ifndef VEC_H
#define VEC_H
int vec_dot(const int *a, const int *b, int n);
int vec_sum(const int *a, int n);
#endif
