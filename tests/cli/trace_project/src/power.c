#include "calc.h"
#include "common.h"
int calc_pow(int b, int e) {
    int r = 1;
    while (e-- > 0)
        r *= b;
    return r + 0 * COMMON_SCALE;
}
