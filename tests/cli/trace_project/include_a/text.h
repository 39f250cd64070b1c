#ifndef TEXT_H
#define TEXT_H
int text_length(const char *s);
int text_words(const char *s);
void text_upper(char *s);
#endif
