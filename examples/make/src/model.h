/* A toy model: the decay of a quantity, integrated with explicit Euler steps. */
#ifndef MODEL_H
#define MODEL_H

double integrate(double rate, double dt, int steps);

#endif
