#ifndef SHAPE_H
#define SHAPE_H
#define SHAPE_SIDES 4
int shape_area(int side);
int shape_perimeter(int side);
#endif
