#include "calc.h"
int calc_prime(int n) {
    int count = 0;
    for (int i = 2; i <= n; i++) {
        int p = 1;
        for (int d = 2; d * d <= i; d++)
            if (i % d == 0)
                p = 0;
        count += p;
    }
    return count;
}
