# FLECHE_DEV_MODE=ON (CI sets it): the warnings below, as errors. Users building
# a release keep the tolerant default (-Wall -Wextra -Wpedantic, never -Werror),
# so that a newer compiler's new warning cannot break their build.
#
# Chosen from the warnings ccache's developer mode enables (and its list of
# candidates), keeping those that gcc 12 supports and that fleche's code passes
# today. Left out: -Wformat=2 and -Wuseless-cast, which the code fails today
# (a strftime format passed through in cli/entry_view.cpp, a cast in
# util/clock.hpp); -Wnull-dereference, which at -O2 fires inside inlined
# library code (std::string in main.cpp, Boost.Asio in exec/runner.cpp);
# -Wold-style-cast, -Wconversion, -Wsign-conversion and
# -Wduplicated-branches, which ccache itself leaves for later, not tried yet.
set(FLECHE_DEV_WARNINGS
  -Wcast-align
  -Wdouble-promotion
  -Wextra-semi
  -Wnon-virtual-dtor
  -Woverloaded-virtual
  -Wshadow
  -Wunused
  -Wlogical-op
  -Wduplicated-cond
)

# -Wrestrict (in -Wall) stays a warning: at -O2 gcc 12 reports a memcpy
# overlap inside std::string's operator+ that cannot happen (GCC bug 105329),
# in tests/unit/hit_log_test.cpp today and in any file tomorrow.
function(fleche_dev_mode target)
  target_compile_options(${target} PRIVATE ${FLECHE_DEV_WARNINGS} -Werror -Wno-error=restrict)
endfunction()
