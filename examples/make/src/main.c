/* model PARAMS OUT: read "rate dt steps" from PARAMS, write the result to OUT.
 * It sleeps SIMULATE_SECONDS (default 1) to stand in for an expensive run. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: model PARAMS OUT\n");
        return 2;
    }
    double rate, dt;
    int steps;
    FILE *in = fopen(argv[1], "r");
    if (!in || fscanf(in, "%lf %lf %d", &rate, &dt, &steps) != 3) {
        fprintf(stderr, "model: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(in);
    const char *seconds = getenv("SIMULATE_SECONDS");
    usleep((useconds_t)(1e6 * (seconds ? atof(seconds) : 1.0)));
    FILE *out = fopen(argv[2], "w");
    if (!out)
        return 1;
    fprintf(out, "%s: rate=%g dt=%g steps=%d -> %.9f\n", argv[1], rate, dt, steps,
            integrate(rate, dt, steps));
    printf("simulated %s\n", argv[1]);
    return fclose(out) != 0;
}
