#include <stdlib.h>
#include "calc.h"
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int calc_sort_check(void) {
    int v[] = {5, 3, 9, 1};
    qsort(v, 4, sizeof v[0], cmp);
    return v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
}
