#include "calc.h"
int calc_gcd(int a, int b) { return b ? calc_gcd(b, a % b) : a; }
