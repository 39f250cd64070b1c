#include <string.h>
#include "text.h"
int text_length(const char *s) { return (int)strlen(s); }
