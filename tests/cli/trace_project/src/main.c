#include <stdio.h>
#include "calc.h"
#include "common.h"
#include "shape.h"
#include "text.h"
#include "vec.h"
#include "version.h"

int main(void) {
    int a[] = {1, 2, 3}, b[] = {4, 5, 6};
    char word[] = "fleche";
    text_upper(word);
    printf("version %s\n", APP_VERSION);
    printf("scale %d sides %d\n", COMMON_SCALE, SHAPE_SIDES);
    printf("area %d perimeter %d\n", shape_area(3), shape_perimeter(3));
    printf("dot %d sum %d\n", vec_dot(a, b, 3), vec_sum(a, 3));
    printf("gcd %d fib %d prime %d pow %d\n", calc_gcd(84, 36), calc_fib(20), calc_prime(100),
           calc_pow(2, 10));
    printf("sorted %d hash %d\n", calc_sort_check(), calc_hash("abc"));
    printf("text %d %d %s\n", text_length("hello"), text_words("a b c"), word);
    return 0;
}
