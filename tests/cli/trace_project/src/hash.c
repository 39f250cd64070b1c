#include "calc.h"
int calc_hash(const char *s) {
    unsigned h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return (int)(h % 100000);
}
