#ifndef CALC_H
#define CALC_H
int calc_gcd(int a, int b);
int calc_fib(int n);
int calc_prime(int n);
int calc_pow(int b, int e);
int calc_sort_check(void);
int calc_hash(const char *s);
#endif
