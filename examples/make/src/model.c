#include "model.h"

double integrate(double rate, double dt, int steps) {
    double y = 1.0;
    for (int i = 0; i < steps; ++i)
        y -= rate * y * dt;
    return y;
}
