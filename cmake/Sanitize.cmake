# FLECHE_SANITIZE=address,undefined or FLECHE_SANITIZE=thread: build every
# target with those sanitizers. Any report is fatal (-fno-sanitize-recover and
# the halt_on_error settings scripts/test.sh exports), so a test that provokes
# one fails instead of printing a warning nobody reads.
#
# The sanitizer runtimes are shared libraries here (Debian has no static
# libtsan/libasan for -static), so a sanitized build needs FLECHE_STATIC_DEPS=OFF.
set(FLECHE_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined or thread")

if(FLECHE_SANITIZE)
  if(FLECHE_STATIC_DEPS)
    message(FATAL_ERROR "FLECHE_SANITIZE needs -DFLECHE_STATIC_DEPS=OFF (sanitizer runtimes do not link into a -static binary)")
  endif()
  add_compile_options(-fsanitize=${FLECHE_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${FLECHE_SANITIZE})
endif()
